"""The PyPI `cinetpay` client (0.0.1), unchanged, against the sandbox's CinetPay.

Run by tests/js/third-party-clients.test.mjs with the venv scripts/bootstrap.sh makes:

    .cache/pyenv/bin/python tests/third_party/cinetpay_client.py init  <base> <transaction_id> <return_url>
    .cache/pyenv/bin/python tests/third_party/cinetpay_client.py check <base> <transaction_id>

<base> is the sandbox's CinetPay base (http://127.0.0.1:<port>/cinetpay). Prints one JSON
line: CinetPay's answer as the library hands it back. The library's own chatter (it prints
the request, apikey included, and logs in colour) goes to stderr.

One adaptation, and why: the library's `host` setting keeps only scheme, host and port
(`UrlUtils.parse_host`), while the sandbox serves CinetPay under a `/cinetpay` prefix, so
`get_url`, the one place the library builds its base URL, returns <base>. Everything else
(headers, bodies, the `//v2/payment/check` path it sends) is the library's own.
"""

import contextlib
import json
import sys

from cinetpay import Client, Customer, Order

APIKEY = "12912847765bc0db748fdd44.40081707"
SITE_ID = "445160"


def client(base):
    class SandboxClient(Client):
        def get_url(self):
            return base

    return SandboxClient(
        {
            "currency": "XOF",
            "language": "fr",
            "channels": "ALL",
            "lock_phone_number": False,
            "raise_on_error": True,
            "credentials": {"apikey": APIKEY, "site_id": SITE_ID},
        }
    )


def main(argv):
    command, base, transaction_id = argv[1], argv[2], argv[3]
    with contextlib.redirect_stdout(sys.stderr):
        if command == "init":
            order = Order(
                id=transaction_id,
                amount=1000,
                currency="XOF",
                description="Commande Python",
                notify_url="http://127.0.0.1:9/notify",
                return_url=argv[4],
                customer=Customer(
                    customer_id="c-1",
                    customer_name="Koné",
                    customer_surname="Awa",
                    customer_phone_number="+2250707070707",
                ),
            )
            response = client(base).initialize_transaction(order)
        elif command == "check":
            response = client(base).get_transaction(_id=transaction_id)
        else:
            raise SystemExit(f"unknown command {command}")
    print(json.dumps({"http_status": response.status_code, "body": response.json}))


if __name__ == "__main__":
    main(sys.argv)
