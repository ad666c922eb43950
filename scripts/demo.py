"""The main job: start the sandbox with a realistic workspace and show what it serves."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

SIZES = ["--users", "20000", "--leads", "5000", "--companies", "800", "--conversations", "2000"]


def start(ready: Path) -> subprocess.Popen:
    """The sandbox CLI in a child process, once it accepts requests."""
    process = subprocess.Popen([sys.executable, "-m", "intercom_sandbox.cli", "serve",
                                "--port", "0", "--ready-file", str(ready), *SIZES])
    deadline = time.monotonic() + 120
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("demo: the sandbox did not start")
        time.sleep(0.1)
    return process


def show(url: str, token: str) -> None:
    """Counts of every collection in both API dialects, and one record of each kind."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    print("\nWhat the sandbox serves:")
    for name in ("users", "leads", "companies", "conversations", "conversation_parts", "tags",
                 "segments", "admins", "teams", "data_attributes", "events"):
        count = session.get(f"{url}/_sandbox/snapshot/{name}").json()["count"]
        print(f"  {name:<20} {count:>8}")
    for version in ("1.4", "2.11"):
        counts = session.get(f"{url}/counts", headers={"Intercom-Version": version}).json()
        print(f"\nGET /counts with Intercom-Version {version}:\n  {json.dumps(counts)}")
    contact = session.get(f"{url}/contacts?per_page=1",
                          headers={"Intercom-Version": "2.11"}).json()["data"][0]
    print("\nA 2.11 contact:\n" + json.dumps(contact, indent=2, ensure_ascii=False)[:1500])
    print(f"\nTry it: curl -H 'Authorization: Bearer {token}' -H 'Intercom-Version: 1.4' "
          f"'{url}/users?per_page=2'")


def main() -> int:
    keep = "--keep" in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        print("Starting the Intercom sandbox (25,000 contacts, 2,000 conversations)...")
        process = start(Path(tmp) / "ready.json")
        try:
            ready = json.loads((Path(tmp) / "ready.json").read_text())
            show(ready["url"], ready["token"])
            if keep:
                print("\nServing until Ctrl-C.")
                process.wait()
        except KeyboardInterrupt:
            pass
        finally:
            process.terminate()
            process.wait(timeout=10)
    print("\nSandbox stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
