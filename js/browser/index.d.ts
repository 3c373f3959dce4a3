/** A payment provider Guichet speaks to. */
export type Provider = "moneroo" | "cinetpay" | "moneyfusion";

/** A shopper's language: French by default. */
export type Lang = "fr" | "en";

/** One line of a cart: the backend prices it from the merchant's catalog. */
export interface CartLine {
  sku: string;
  quantity: number;
}

/** The shopper, as typed in the storefront's form. */
export interface CustomerInput {
  email?: string;
  first_name?: string;
  last_name?: string;
  /** Any usual form: `07 01 02 03 04`, `+225 0701020304`, `00225…`. */
  phone?: string;
  /** ISO 3166-1 alpha-2, such as `CI`. */
  country?: string;
  address?: string;
  city?: string;
  state?: string;
  zip?: string;
}

/** What the storefront asks the backend for: never an amount. */
export interface CheckoutRequest {
  provider: Provider;
  items?: CartLine[];
  order_id?: string;
  customer: CustomerInput;
  lang?: Lang;
  /** CinetPay: `ALL`, `MOBILE_MONEY`, `CREDIT_CARD`, `WALLET`, comma-joined. */
  channels?: string;
  /** Moneroo method codes, such as `mtn_ci`. */
  methods?: string[];
  metadata?: Record<string, string>;
}

/** One broken rule, with its message in the requested language. */
export interface Violation {
  /** Stable machine code, such as `required` or `invalid_phone`. */
  code: string;
  /** Path of the field, such as `customer.phone` or `items[0].quantity`. */
  field: string;
  message: string;
}

/** Every problem at once; `ok` when there is none. */
export interface ValidationReport {
  ok: boolean;
  violations: Violation[];
}

/** Checks a checkout request with the backend's own rules, before any network call. */
export function validateCheckout(request: CheckoutRequest, lang?: Lang): Promise<ValidationReport>;

/** Writes an amount in minor units for a shopper: `12 500 F CFA`, `F CFA 12,500`. */
export function formatAmount(amount: number, currency: string, lang?: Lang): Promise<string>;

/** Where a payment stands, as the backend verified it with the provider. */
export type Status = "pending" | "succeeded" | "failed" | "cancelled" | "expired";

/**
 * How the seamless checkout is shown. `auto` (default): an overlay when the provider's
 * page may be framed and the screen is at least 600 px wide, else a popup. A blocked
 * popup always falls back to the redirect.
 */
export type Display = "auto" | "overlay" | "popup" | "redirect";

/** `new Guichet(options)`. */
export interface GuichetOptions {
  /** Where the edge backend is mounted: `/api` or `https://pay.shop.example/api`. */
  endpoint: string;
  /** The provider used when an order does not name one. */
  provider?: Provider;
  /** The shopper's language for messages and the overlay (`fr` by default). */
  lang?: Lang | string;
  /**
   * Accept checkout pages on loopback hosts (`127.0.0.1`, `localhost`, `[::1]`): the local
   * sandbox. Never in production.
   */
  sandbox?: boolean;
  /**
   * The shop's return page (it calls `handleReturn()`). Its origin is the only one whose
   * messages are heard. Default: the backend's `GUICHET_RETURN_URL`, heard from this
   * page's origin.
   */
  returnUrl?: string;
  /** First delay between status requests, in ms (default 2000; grows to 10 s). */
  pollInterval?: number;
  /** How long to wait for a final status, in ms (default 600000). */
  timeout?: number;
  /** Close the overlay or popup once the outcome is known (default true). */
  closeAfterResponse?: boolean;
  /** How `open()` shows the checkout (default `auto`). */
  display?: Display;
  /** The shop's name in the overlay's header (the page's host by default). */
  shopName?: string;
}

/** An order to pay: the cart or a registered order, and the shopper. Never an amount. */
export interface Order extends Omit<CheckoutRequest, "provider"> {
  /** Overrides the provider of the options. */
  provider?: Provider;
}

/** What the page learns, always from `GET /sessions/:id`. */
export interface Outcome {
  /** The backend's session id; `null` when the checkout closed before one existed. */
  session: string | null;
  provider: Provider | null;
  /** The last status the backend reported; `null` when none was known yet. */
  status: Status | null;
  /** The amount due, in minor units (`15000` XOF is 15 000 F CFA). */
  amount?: number;
  currency?: string;
  /** The shop's order reference. */
  reference?: string;
  /** What was paid, when more than the amount due. */
  paid_amount?: number;
  /** The provider's hosted page (on `ready`). */
  checkout_url?: string;
}

/** A final outcome: `success` carries `succeeded`; `failed` the other final statuses. */
export interface FinalOutcome extends Outcome {
  session: string;
  status: Exclude<Status, "pending">;
}

/** Errors from Guichet or from the backend, with a stable code. */
export interface GuichetError extends Error {
  name: "GuichetError";
  /**
   * `invalid_options`, `invalid_order` (see `violations`), `network`, `bad_response`,
   * `unexpected_host` (the checkout URL is not on the provider's hosts),
   * `session_not_found`, `checkout_under_way` (a second `open()` while the provider's
   * window of the session under way is open: it comes to the front), or the backend's own code (`return_url_not_allowed`,
   * `invalid_token`, ...).
   */
  code: string;
  /** The first field at fault. */
  field?: string;
  violations?: Violation[];
  /** The backend's HTTP status, for its errors. */
  status?: number;
}

/** Each event's detail. */
export interface GuichetEvents {
  /** The session exists and its checkout page is showing (or being left for). */
  ready: Outcome & { session: string; checkout_url: string };
  /** Still pending after the shopper came back, or at the timeout. At most once. */
  pending: Outcome & { session: string; status: "pending" };
  /** Paid, verified by the backend. At most once per session. */
  success: FinalOutcome & { status: "succeeded" };
  /** Failed, cancelled or expired, verified by the backend. At most once per session. */
  failed: FinalOutcome & { status: "failed" | "cancelled" | "expired" };
  /** The overlay or popup closed (by the shopper, `close()`, or after the outcome). */
  close: Outcome;
  error: GuichetError;
}

export type GuichetEvent = keyof GuichetEvents;

/** What CinetPay's `waitResponse` callback receives: the final outcome, in CinetPay's words. */
export interface CinetPayResponse extends Omit<FinalOutcome, "status"> {
  /** `ACCEPTED` for `succeeded`; `REFUSED` for `failed`, `cancelled` or `expired`. */
  status: "ACCEPTED" | "REFUSED";
}

/** `setConfig` of CinetPay's seamless SDK. `apikey` is refused: the edge holds it. */
export interface CinetPayConfig {
  apikey?: never;
  /** Ignored: the edge's `CINETPAY_SITE_ID`. */
  site_id?: string | number;
  /** Ignored: the edge's webhook route. */
  notify_url?: string;
  /** `SANDBOX` accepts checkout pages on loopback hosts (the local sandbox). */
  mode?: "PRODUCTION" | "SANDBOX";
  close_after_response?: boolean;
  /** Ignored. */
  type?: "WEB" | "MOBILE";
  endpoint?: string;
  lang?: Lang;
  provider?: Provider;
  display?: Display;
}

/** `getCheckout` of CinetPay's seamless SDK: flat shopper fields, and no amount. */
export interface CinetPayCheckout {
  items?: CartLine[];
  order_id?: string;
  channels?: string;
  /** First name. */
  customer_surname?: string;
  /** Family name. */
  customer_name?: string;
  customer_email?: string;
  customer_phone_number?: string;
  customer_address?: string;
  customer_city?: string;
  customer_country?: string;
  customer_state?: string;
  customer_zip_code?: string;
  /** Refused: the amount comes from the backend. */
  amount?: never;
}

/**
 * The checkout. Construct it in the page (this starts loading the WebAssembly), then call
 * `open` or `redirect` from the shopper's click.
 */
export class Guichet {
  constructor(options: GuichetOptions);
  /**
   * Seamless checkout. Opens the overlay or popup at once (call it inside the click),
   * then creates the session. Resolves with the final outcome, or the last known one
   * when the shopper closes the checkout or the timeout passes; rejects with a
   * `GuichetError`. Called again while a checkout is under way, answers the same promise.
   */
  open(order: Order): Promise<Outcome>;
  /** Creates the session and leaves the page for the provider's checkout. */
  redirect(order: Order): Promise<Outcome>;
  /**
   * On the return page: the outcome, from the backend (never from the URL). Resolves
   * `null` when the page is not a Guichet return, or when it runs inside Guichet's frame
   * or popup (the opening page is told and follows the payment).
   */
  handleReturn(): Promise<Outcome | null>;
  /**
   * After a reload during payment: follows this tab's session to its outcome when its
   * popup lives on; when its page went with the reload (overlay, redirect), asks once
   * and tells the outcome, or `close` with the status still pending (interrupted: the
   * shopper may pay again). `null` when there is none, or when a new checkout took over.
   */
  resume(): Promise<Outcome | null>;
  /** Closes the overlay or popup. */
  close(): void;
  on<E extends GuichetEvent>(event: E, callback: (detail: GuichetEvents[E]) => void): this;
  off<E extends GuichetEvent>(event: E, callback: (detail: GuichetEvents[E]) => void): this;

  /** CinetPay-style configuration; throws on an `apikey`. */
  setConfig(config: CinetPayConfig): this;
  /** CinetPay-style `getCheckout`: same as `open`. */
  getCheckout(order: CinetPayCheckout): Promise<Outcome>;
  /** CinetPay-style: called once with `ACCEPTED` or `REFUSED`. */
  waitResponse(callback: (response: CinetPayResponse) => void): this;
  onError(callback: (error: GuichetError) => void): this;
  onClose(callback: (detail: Outcome) => void): this;
  closeCheckout(): void;
}
