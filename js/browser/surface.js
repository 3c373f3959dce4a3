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
  fr: {
    title: "Paiement",
    close: "Fermer le paiement",
    closeShort: "Fermer",
    loading: "Chargement du paiement…",
    secure: "Paiement sécurisé",
    with: "avec",
  },
  en: {
    title: "Payment",
    close: "Close the payment",
    closeShort: "Close",
    loading: "Loading the payment…",
    secure: "Secure payment",
    with: "with",
  },
};

const PROVIDERS = { moneroo: "Moneroo", cinetpay: "CinetPay", moneyfusion: "MoneyFusion" };

// Hosted pages known to accept being framed (CinetPay's own seamless SDK frames its
// page). The others open in a popup. One table, so a provider's policy changes here.
const FRAMEABLE = { cinetpay: true };

// Below this width an overlay would only cramp the provider's page: popup (a new tab on
// phones).
const SMALL_SCREEN = 600;

const NAME = "guichet-checkout";

const css = (element, styles) => Object.assign(element.style, styles);

/**
 * `15 000 F CFA` from minor units, with the browser's own Intl (no-break spaces, the
 * currency's decimals), so the overlay needs nothing from the WebAssembly.
 */
function money(amount, currency, lang) {
  try {
    const format = new Intl.NumberFormat(lang === "en" ? "en-GB" : "fr-FR", { style: "currency", currency });
    return format.format(amount / 10 ** format.resolvedOptions().maximumFractionDigits);
  } catch {
    return "";
  }
}

/** Puts focus back where it was when the checkout opened (once the page re-enables it). */
function restore(element) {
  if (!element?.focus) return;
  element.focus();
  if (document.activeElement !== element) setTimeout(() => element.focus());
}

/**
 * Opens the surface for `display` ("auto", "overlay", "popup" or "redirect"). A popup
 * that the browser blocks falls back to the redirect. `shop` names the shop in the
 * overlay's header (the page's host by default).
 */
export function openSurface(display, provider, lang, shop) {
  const code = String(lang).startsWith("en") ? "en" : "fr";
  const text = TEXT[code];
  let kind = display || "auto";
  if (kind === "auto") {
    kind = FRAMEABLE[provider] && innerWidth >= SMALL_SCREEN ? "overlay" : "popup";
  }
  if (kind === "overlay") return overlay(text, code, PROVIDERS[provider] ?? "", shop || location.hostname);
  if (kind === "popup") {
    const surface = popup(text);
    if (surface) return surface;
  }
  return { kind: "redirect", window: null, go: (url) => location.assign(url), closed: () => false, close() {}, focus() {} };
}

function popup(text) {
  const width = Math.min(480, screen.availWidth || 480);
  const height = Math.min(720, screen.availHeight || 720);
  const left = screenX + Math.max(0, (outerWidth - width) / 2);
  const top = screenY + Math.max(0, (outerHeight - height) / 2);
  const opener = document.activeElement;
  const win = open("", NAME, `popup,width=${width},height=${height},left=${left},top=${top}`);
  if (!win) return null;
  // A popup already on a page (the provider's, after the shop was reloaded) is reused
  // as it is: it is the checkout under way.
  let reused = true;
  try {
    if (win.location.href === "about:blank") {
      reused = false;
      // The blank popup shares our origin until it navigates: show that something happens.
      win.document.title = text.title;
      win.document.body.textContent = text.loading;
      css(win.document.body, { font: "16px system-ui, sans-serif", padding: "24px" });
    }
  } catch {
    // On another origin: the provider's page.
  }
  return {
    kind: "popup",
    window: win,
    reused,
    go: (url) => win.location.replace(url),
    closed: () => win.closed,
    close() {
      win.close();
      restore(opener);
    },
    focus: () => win.focus(),
  };
}

function overlay(text, lang, provider, shop) {
  const opener = document.activeElement;
  const make = (tag, name, parent) => {
    const element = document.createElement(tag);
    element.className = `guichet-${name}`;
    parent?.append(element);
    return element;
  };
  const font = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

  const backdrop = make("div", "overlay");
  css(backdrop, {
    position: "fixed", inset: "0", zIndex: "2147483647", display: "flex",
    alignItems: "center", justifyContent: "center", background: "rgba(0,0,0,.6)", padding: "16px",
    boxSizing: "border-box",
  });
  const dialog = make("div", "dialog", backdrop);
  dialog.setAttribute("role", "dialog");
  dialog.setAttribute("aria-modal", "true");
  css(dialog, {
    display: "flex", flexDirection: "column", boxSizing: "border-box",
    width: "min(480px, 100%)", height: "min(760px, 100%)",
    background: "#fff", color: "#1a1a1a", borderRadius: "12px", overflow: "hidden",
    font: `15px/1.4 ${font}`,
  });

  // The header: whose checkout this is, what it costs, who takes the payment, and a
  // close button that says what it does.
  const header = make("div", "header", dialog);
  css(header, {
    display: "flex", alignItems: "center", gap: "12px", padding: "10px 10px 10px 18px",
    borderBottom: "1px solid #e3e3e3", background: "#fafafa", flex: "none",
  });
  const heading = make("div", "heading", header);
  css(heading, { flex: "1", minWidth: "0" });
  const title = make("h2", "title", heading);
  title.id = `${NAME}-title`;
  title.textContent = shop;
  css(title, { margin: "0", font: `600 16px/1.3 ${font}`, overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" });
  const detail = make("p", "detail", heading);
  detail.id = `${NAME}-detail`;
  const describe = (amount) => {
    detail.textContent = [amount || text.secure, provider && `${text.with} ${provider}`].filter(Boolean).join(" ");
  };
  describe("");
  css(detail, { margin: "2px 0 0", font: `14px/1.3 ${font}`, color: "#4a4a4a" });
  dialog.setAttribute("aria-labelledby", title.id);
  dialog.setAttribute("aria-describedby", detail.id);

  const close = make("button", "close", header);
  close.type = "button";
  close.setAttribute("aria-label", text.close);
  const cross = document.createElement("span");
  cross.setAttribute("aria-hidden", "true");
  cross.textContent = "×";
  css(cross, { font: `24px/1 ${font}` });
  close.append(cross, text.closeShort);
  css(close, {
    display: "inline-flex", alignItems: "center", gap: "6px", flex: "none",
    minWidth: "44px", minHeight: "44px", padding: "0 12px", margin: "0",
    border: "1px solid #8a8a8a", borderRadius: "8px", background: "#fff", color: "#1a1a1a",
    font: `600 15px/1 ${font}`, cursor: "pointer",
  });

  const loading = make("p", "loading", dialog);
  loading.setAttribute("role", "status");
  loading.textContent = text.loading;
  css(loading, { margin: "auto", padding: "16px", font: `16px ${font}`, textAlign: "center" });
  const frame = make("iframe", "frame", dialog);
  frame.name = NAME;
  frame.title = `${text.title}${provider ? ` ${provider}` : ""}`;
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
    restore(opener);
  };
  // Escape closes; Tab and Shift+Tab cycle between the close button and the frame. Keys
  // typed inside the provider's frame stay there (another origin), hence the visible
  // button.
  const keys = (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      shut();
    } else if (event.key === "Tab" && document.activeElement === close && !frame.hidden) {
      event.preventDefault();
      frame.focus();
    } else if (event.key === "Tab" && document.activeElement === close) {
      event.preventDefault();
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
    /** The session's amount in the header, once the backend has priced it. */
    describe(outcome) {
      if (outcome?.amount !== undefined && outcome?.currency) describe(money(outcome.amount, outcome.currency, lang));
    },
    closed: () => !open,
    close: shut,
    focus: () => close.focus(),
  };
}
