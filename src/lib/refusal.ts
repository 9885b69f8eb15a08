/**
 * A refusal meant for the person filling a form: the message is Italian and
 * safe to show, and `field` names the form field it belongs to ("_form" for
 * the form as a whole). Domain errors of this kind extend it.
 */
export class Refusal extends Error {
  constructor(
    message: string,
    readonly field = "_form",
  ) {
    super(message);
    this.name = "Refusal";
  }
}
