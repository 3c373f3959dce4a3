// Where the provider's checkout page is shown. This runs synchronously inside the
// shopper's click, before any network call and even while the WebAssembly is still
// loading, so popup blockers let the popup through and the overlay appears at once.
//
// A surface is the plain object the WebAssembly drives:
//   { kind: "overlay" | "popup" | "redirect", window, go(url), closed(), close() }
//
// Strict CSP: no inline script, no <style>, no style attribute. Styles are set through
// the CSSOM (element.style.prop = ...), which `style-src` does not govern; each element
// also carries a `guichet-*` class for the shop's own stylesheet.

const TEXT = {
  fr: { title: "Paiement", close: "Fermer le paiement", loading: "Chargement du paiement…" },
  en: { title: "Payment", close: "Close the payment", loading: "Loading the payment…" },
};

// Hosted pages known to accept being framed (CinetPay's own seamless SDK frames its
// page). The others open in a popup. One table, so a provider's policy changes here.
const FRAMEABLE = { cinetpay: true };

// Below this width an overlay would only cramp the provider's page: popup (a new tab on
// phones).
const SMALL_SCREEN = 600;

const NAME = "guichet-checkout";

const css = (element, styles) => Object.assign(element.style, styles);

/**
 * Opens the surface for `display` ("auto", "overlay", "popup" or "redirect"). A popup
 * that the browser blocks falls back to the redirect.
 */
export function openSurface(display, provider, lang) {
  const text = TEXT[String(lang).startsWith("en") ? "en" : "fr"];
  let kind = display || "auto";
  if (kind === "auto") {
    kind = FRAMEABLE[provider] && innerWidth >= SMALL_SCREEN ? "overlay" : "popup";
  }
  if (kind === "overlay") return overlay(text);
  if (kind === "popup") {
    const surface = popup(text);
    if (surface) return surface;
  }
  return { kind: "redirect", window: null, go: (url) => location.assign(url), closed: () => false, close() {} };
}

function popup(text) {
  const width = Math.min(480, screen.availWidth || 480);
  const height = Math.min(720, screen.availHeight || 720);
  const left = screenX + Math.max(0, (outerWidth - width) / 2);
  const top = screenY + Math.max(0, (outerHeight - height) / 2);
  const opener = document.activeElement;
  const win = open("", NAME, `popup,width=${width},height=${height},left=${left},top=${top}`);
  if (!win) return null;
  try {
    // The blank popup shares our origin until it navigates: show that something happens.
    win.document.title = text.title;
    win.document.body.textContent = text.loading;
    css(win.document.body, { font: "16px system-ui, sans-serif", padding: "24px" });
  } catch {
    // A reused popup already on the provider's page: nothing to write.
  }
  return {
    kind: "popup",
    window: win,
    go: (url) => win.location.replace(url),
    closed: () => win.closed,
    close() {
      win.close();
      opener?.focus?.();
    },
  };
}

function overlay(text) {
  const opener = document.activeElement;
  const make = (tag, name, parent) => {
    const element = document.createElement(tag);
    element.className = `guichet-${name}`;
    parent?.append(element);
    return element;
  };

  const backdrop = make("div", "overlay");
  css(backdrop, {
    position: "fixed", inset: "0", zIndex: "2147483647", display: "flex",
    alignItems: "center", justifyContent: "center", background: "rgba(0,0,0,.6)",
  });
  const dialog = make("div", "dialog", backdrop);
  dialog.setAttribute("role", "dialog");
  dialog.setAttribute("aria-modal", "true");
  dialog.setAttribute("aria-label", text.title);
  css(dialog, {
    position: "relative", display: "flex", flexDirection: "column", boxSizing: "border-box",
    width: "min(480px, 100%)", height: "min(720px, 100%)", paddingTop: "48px",
    background: "#fff", color: "#111", borderRadius: "8px", overflow: "hidden",
  });
  const close = make("button", "close", dialog);
  close.type = "button";
  close.setAttribute("aria-label", text.close);
  close.textContent = "×";
  css(close, {
    position: "absolute", top: "2px", right: "4px", width: "44px", height: "44px",
    border: "0", background: "transparent", color: "#111", font: "32px/1 system-ui, sans-serif",
    cursor: "pointer",
  });
  const loading = make("p", "loading", dialog);
  loading.setAttribute("role", "status");
  loading.textContent = text.loading;
  css(loading, { margin: "auto", padding: "16px", font: "16px system-ui, sans-serif", textAlign: "center" });
  const frame = make("iframe", "frame", dialog);
  frame.name = NAME;
  frame.title = text.title;
  frame.hidden = true;
  frame.allow = "payment";
  css(frame, { flex: "1", width: "100%", border: "0" });

  const root = document.documentElement;
  const overflow = root.style.overflow;
  let open = true;
  const shut = () => {
    if (!open) return;
    open = false;
    document.removeEventListener("keydown", keys, true);
    document.removeEventListener("focusin", trap, true);
    backdrop.remove();
    root.style.overflow = overflow;
    opener?.focus?.();
  };
  // Escape closes; Shift+Tab from the first control wraps to the frame. Keys typed inside
  // the provider's frame stay there (another origin), hence the visible button.
  const keys = (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      shut();
    } else if (event.key === "Tab" && event.shiftKey && document.activeElement === close && !frame.hidden) {
      event.preventDefault();
      frame.focus();
    }
  };
  // Focus that leaves the dialog (Tab out of the frame, a click behind) comes back.
  const trap = (event) => {
    if (!dialog.contains(event.target)) close.focus();
  };
  close.addEventListener("click", shut);
  document.addEventListener("keydown", keys, true);
  document.addEventListener("focusin", trap, true);
  document.body.append(backdrop);
  root.style.overflow = "hidden";
  close.focus();

  return {
    kind: "overlay",
    get window() {
      return frame.contentWindow;
    },
    go(url) {
      frame.addEventListener("load", () => {
        loading.hidden = true;
        frame.hidden = false;
      }, { once: true });
      frame.src = url;
    },
    closed: () => !open,
    close: shut,
  };
}
