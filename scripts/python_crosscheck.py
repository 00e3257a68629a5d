#!/usr/bin/env python3
"""List the simulator's mobile devices with Google's official Python client.

Usage: python_crosscheck.py CONFIG_DIR DISCOVERY_JSON [QUERY]

CONFIG_DIR is what `offsync sim serve --write-config CONFIG_DIR` wrote (sa-key.json and
config.toml). The client is built from Google's discovery document with only its API
endpoint overridden, and authenticates with google-auth's service-account credentials
(JWT-bearer grant with domain-wide delegation), exactly as against Google.
Prints one JSON object: {"count": N, "google_sync": [resourceId, ...]}.
"""
import json
import sys
import tomllib

from google.oauth2 import service_account
from googleapiclient.discovery import build_from_document

SCOPE = "https://www.googleapis.com/auth/admin.directory.device.mobile.readonly"


def main() -> None:
    cfg_dir, discovery = sys.argv[1], sys.argv[2]
    query = sys.argv[3] if len(sys.argv) > 3 else None
    with open(f"{cfg_dir}/config.toml", "rb") as f:
        cfg = tomllib.load(f)
    profile = cfg["profiles"][cfg["default_profile"]]
    creds = service_account.Credentials.from_service_account_file(
        profile["key_file"], scopes=[SCOPE], subject=profile["subject"]
    )
    with open(discovery) as f:
        doc = f.read()
    svc = build_from_document(
        doc,
        credentials=creds,
        client_options={"api_endpoint": profile["endpoints"]["directory"]},
    )
    ids, google_sync, token = [], [], None
    while True:
        kwargs = {"customerId": profile.get("customer_id", "my_customer"), "maxResults": 100}
        if token:
            kwargs["pageToken"] = token
        if query:
            kwargs["query"] = query
        page = svc.mobiledevices().list(**kwargs).execute(num_retries=5)
        for d in page.get("mobiledevices", []):
            ids.append(d["resourceId"])
            if d.get("type") == "GOOGLE_SYNC":
                google_sync.append(d["resourceId"])
        token = page.get("nextPageToken")
        if not token:
            break
    print(json.dumps({"count": len(ids), "google_sync": sorted(google_sync)}))


if __name__ == "__main__":
    main()
