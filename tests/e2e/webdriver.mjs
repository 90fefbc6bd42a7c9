// A minimal W3C WebDriver client over fetch: the handful of calls the e2e test needs, nothing to install.

// The W3C web element identifier (WebDriver spec, "Elements").
const ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf";

export class WebDriverError extends Error {}

/** Sends one WebDriver command and returns its `value`, or throws with the driver's own message. */
async function call(baseUrl, method, path, body) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? undefined : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let payload;
  try {
    payload = JSON.parse(text);
  } catch {
    throw new WebDriverError(`${method} ${path}: HTTP ${response.status}, not JSON: ${text.slice(0, 300)}`);
  }
  if (!response.ok || payload?.value?.error) {
    const { error, message } = payload?.value ?? {};
    throw new WebDriverError(`${method} ${path}: ${error ?? response.status}: ${message ?? text.slice(0, 300)}`);
  }
  return payload.value;
}

/** Waits until the driver answers /status with ready, or gives up after `timeoutMs`. */
export async function waitForDriver(baseUrl, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const status = await call(baseUrl, "GET", "/status");
      if (status?.ready !== false) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new WebDriverError(`driver at ${baseUrl} not ready after ${timeoutMs} ms: ${lastError}`);
}

/** One WebDriver session, i.e. one running app. */
export class Session {
  constructor(baseUrl, id) {
    this.baseUrl = baseUrl;
    this.id = id;
  }

  /** Starts the app binary through tauri-driver. */
  static async start(baseUrl, application) {
    const value = await call(baseUrl, "POST", "/session", {
      capabilities: { alwaysMatch: { "tauri:options": { application } } },
    });
    return new Session(baseUrl, value.sessionId);
  }

  cmd(method, path, body) {
    return call(this.baseUrl, method, `/session/${this.id}${path}`, body);
  }

  /** The first element matching a CSS selector, waiting up to `timeoutMs` for it to appear. */
  async find(selector, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const value = await this.cmd("POST", "/element", { using: "css selector", value: selector });
        return new Element(this, value[ELEMENT_KEY]);
      } catch (error) {
        if (Date.now() >= deadline) throw new WebDriverError(`no element ${selector}: ${error.message}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /** Polls `predicate` until it returns true; throws `message` after `timeoutMs`. */
  async until(predicate, message, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      try {
        if (await predicate()) return;
      } catch (error) {
        last = error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new WebDriverError(`${message}${last ? ` (last error: ${last.message})` : ""}`);
  }

  title() {
    return this.cmd("GET", "/title");
  }

  execute(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  /** PNG bytes of the webview. */
  async screenshot() {
    return Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
  }

  async end() {
    await this.cmd("DELETE", "");
  }
}

export class Element {
  constructor(session, id) {
    this.session = session;
    this.id = id;
  }

  /** Scrolls the element to the middle of the view: WebKitWebDriver refuses to click ("element not
   * interactable") and reads empty text for an element below the fold. */
  scrollIntoView() {
    return this.session.execute("arguments[0].scrollIntoView({ block: 'center', inline: 'center' });", [
      { [ELEMENT_KEY]: this.id },
    ]);
  }

  async click() {
    await this.scrollIntoView();
    return this.session.cmd("POST", `/element/${this.id}/click`, {});
  }

  async text() {
    await this.scrollIntoView();
    return this.session.cmd("GET", `/element/${this.id}/text`);
  }

  attribute(name) {
    return this.session.cmd("GET", `/element/${this.id}/attribute/${name}`);
  }

  /** Types `text` into the element (real key events, so React sees them). */
  type(text) {
    return this.session.cmd("POST", `/element/${this.id}/value`, { text });
  }
}
