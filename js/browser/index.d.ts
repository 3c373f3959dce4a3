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
