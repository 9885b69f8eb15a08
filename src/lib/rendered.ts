/**
 * Astro's `render(entry)`, once per content entry and version: it would
 * otherwise import the entry's module and build its component again on every
 * request of a lesson or a content page. The result holds no request state
 * (the component renders into whichever page calls it), so every request can
 * share it; a changed entry (a new digest, under `astro dev`) is rendered anew.
 */
import { render, type CollectionEntry, type CollectionKey } from "astro:content";

type Entry = CollectionEntry<CollectionKey>;
type Rendered = Awaited<ReturnType<typeof render>>;

const rendered = new Map<string, Promise<Rendered>>();

export function renderOnce(entry: Entry): Promise<Rendered> {
  const { collection, id, digest = "" } = entry;
  const key = `${collection}\u0000${id}\u0000${digest}`;
  let result = rendered.get(key);
  if (!result) {
    result = render(entry);
    rendered.set(key, result);
    result.catch(() => rendered.delete(key));
  }
  return result;
}
