// The page's only way to the server, all on this one origin: the rep's API under /v1 (with the rep's
// bearer token), the emulated org's panel under /org and the local stack's status under /local.
//
// The token: the page asks the local server for the demo rep's (GET /local/session) instead of reading
// one from a #token=... fragment. Opening the printed address is then all a newcomer does, a reload or a
// token past its lifetime gets a fresh one (on a 401 the page asks again, once), and no token sits in
// the address bar, the history or a screenshot. The route exists only in the local stack; a deployed
// page would get the rep's token from SIA's own sign-in.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let session = null;

async function currentSession(renew = false) {
  if (session === null || renew) {
    session = null;
    session = await send("GET", "/local/session");
  }
  return session;
}

async function send(method, url, body, headers = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, cache: "no-store" };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  let answer;
  try {
    answer = await fetch(url, init);
  } catch {
    throw new ApiError(0, "UNREACHABLE", "the local stack does not answer (is make run still running?)");
  }
  if (answer.status === 204) return null;
  const text = await answer.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!answer.ok) {
    const error = data?.error ?? {};
    const message = error.message ?? data?.message ?? (answer.statusText || "the request failed");
    throw new ApiError(answer.status, error.code ?? `HTTP_${answer.status}`, message);
  }
  return data;
}

/** A call to the rep's API: `path` is under /v1/users/{userId}. */
export async function rep(method, path, body, headers = {}) {
  let current = await currentSession();
  const call = () =>
    send(method, `/v1/users/${encodeURIComponent(current.userId)}${path}`, body, {
      Authorization: `Bearer ${current.token}`,
      ...headers,
    });
  try {
    return await call();
  } catch (error) {
    if (error.status !== 401) throw error;
    current = await currentSession(true);
    return call();
  }
}

/** A call to the emulated org's panel: what its Salesforce user does in Salesforce's own pages. */
export function org(method, path, body) {
  return send(method, `/org${path}`, body);
}

/** The local stack's dead-letter queue depths and waiting asynchronous invocations. */
export function localStatus() {
  return send("GET", "/local/status");
}

export async function userId() {
  return (await currentSession()).userId;
}
