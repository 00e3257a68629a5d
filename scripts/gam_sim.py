#!/usr/bin/env python3
"""Run GAM7, unchanged, against the offsync simulator.

Usage: GAMCFGDIR=DIR/gam python gam_sim.py GAM-ARGUMENTS...

DIR is what `offsync sim serve --write-config DIR` wrote. GAM has no setting for its API
endpoints, and every request it makes (its own, google-api-python-client's and
google-auth-httplib2's) goes through `modern_httplib2.Http.request`, which GAM imports as
httplib2. This launcher wraps that one method in this process: https://*.googleapis.com/...
and https://accounts.google.com/... go to the simulator, with the original Host header kept
(so the simulator can tell gmail's discovery document from cloudidentity's); requests to the
simulator itself pass; any other host is refused. No system file (hosts, certificates) is
touched.

The simulator's address comes from OFFSYNC_SIM_URL, or else from the `sim-url` file that
--write-config puts in the GAM config directory.
"""
import os
import sys
from urllib.parse import urlsplit


def sim_url() -> str:
    url = os.environ.get("OFFSYNC_SIM_URL")
    if not url:
        cfg_dir = os.environ.get("GAMCFGDIR")
        if not cfg_dir:
            sys.exit("gam_sim: set GAMCFGDIR to the gam/ directory that --write-config wrote")
        try:
            with open(os.path.join(cfg_dir, "sim-url")) as f:
                url = f.read().strip()
        except OSError as e:
            sys.exit(f"gam_sim: no simulator address: set OFFSYNC_SIM_URL or write {e.filename}")
    return url.rstrip("/")


def is_google(host: str) -> bool:
    return host.endswith(".googleapis.com") or host == "accounts.google.com"


def install(target: str) -> None:
    import modern_httplib2

    sim = urlsplit(target)
    original = modern_httplib2.Http.request

    def request(self, uri, method="GET", body=None, headers=None, *args, **kwargs):
        u = urlsplit(uri)
        if (u.scheme, u.netloc) == (sim.scheme, sim.netloc):
            pass
        elif u.scheme == "https" and u.port is None and is_google(u.hostname or ""):
            headers = dict(headers or {})
            for k in [k for k in headers if k.lower() == "host"]:
                del headers[k]
            headers["host"] = u.netloc
            uri = f"{target}{u.path or '/'}" + (f"?{u.query}" if u.query else "")
        else:
            raise modern_httplib2.HttpLib2Error(
                f"gam_sim: refusing a request to {u.scheme}://{u.netloc} (only Google's API "
                f"hosts, redirected to {target}, are allowed)"
            )
        return original(self, uri, method, body, headers, *args, **kwargs)

    modern_httplib2.Http.request = request


def main() -> None:
    install(sim_url())
    from gam.__main__ import main as gam_main

    sys.argv[0] = "gam"
    gam_main()


if __name__ == "__main__":
    main()
