/** Posts a form to the running site the way a browser does (same-origin, urlencoded). */
export async function postForm(baseUrl: string, pathname: string, fields: Record<string, string> | URLSearchParams, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(new URL(pathname, baseUrl), {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: baseUrl, ...headers },
    body: fields instanceof URLSearchParams ? fields : new URLSearchParams(fields),
  });
}
