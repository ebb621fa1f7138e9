#!/usr/bin/env python3
"""Post a finished Asterisk recording to callrec: MixMonitor's post-command.

Standard library only, so it runs on the PBX without installing callrec: copy this file to the PBX
(e.g. /usr/local/bin/callrec-asterisk-hook) and call it from MixMonitor's command option; `^{VAR}` is
expanded when the recording ends:

    MixMonitor(${MIXMON_DIR}${CALLFILENAME}.wav,b,/usr/local/bin/callrec-asterisk-hook
        --url https://callrec.example --key-file /etc/callrec/key --spool /var/spool/callrec
        --uniqueid ^{UNIQUEID} --direction inbound --agent ^{CONNECTEDLINE(num)}
        --customer ^{CALLERID(num)} --var queue=^{QUEUENAME} ${MIXMON_DIR}^{CALLFILENAME}.wav)

It retries a few times; if callrec still cannot be reached, it leaves a copy and a sidecar JSON in
--spool, which `callrec recorder watch` ingests later, so a recording is never lost to an outage.
Exit status: 0 stored or spooled, 1 neither, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Post a finished recording to callrec.")
    parser.add_argument("file", type=Path, help="The recording MixMonitor wrote")
    parser.add_argument("--url", required=True, help="callrec's base URL")
    key = parser.add_mutually_exclusive_group(required=True)
    key.add_argument("--key", help="A telephony API key (visible in the process list: prefer --key-file)")
    key.add_argument("--key-file", type=Path, help="A file holding the telephony API key")
    parser.add_argument("--source", default="asterisk")
    parser.add_argument("--uniqueid", help="${UNIQUEID}: the idempotency key")
    parser.add_argument("--direction", choices=("inbound", "outbound", "internal"))
    parser.add_argument("--agent", help="The agent's extension or id")
    parser.add_argument("--customer", help="The outside party's number")
    parser.add_argument("--language", help="Language hint (he, ar, en, ...)")
    parser.add_argument("--channels", help="Roles of a stereo file's channels, e.g. customer,agent")
    parser.add_argument("--var", action="append", default=[], help="NAME=VALUE kept in the call's extra")
    parser.add_argument("--spool", type=Path, help="Folder watched by `callrec recorder watch`")
    parser.add_argument("--delete", action="store_true", help="Delete the recording once callrec has it")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--retry-delays", default="1,4,15", help="Seconds to wait before each retry")
    return parser.parse_args(argv)


def call_metadata(args: argparse.Namespace) -> dict[str, Any]:
    metadata: dict[str, Any] = {"source": args.source}
    for field, value in (
        ("external_id", args.uniqueid),
        ("direction", args.direction),
        ("agent_id", args.agent),
        ("customer_number", args.customer),
        ("language", args.language),
    ):
        if value:  # an unset channel variable expands to "": leave the field out
            metadata[field] = value
    if args.channels:
        metadata["channel_roles"] = [role.strip() for role in args.channels.split(",")]
    extra = dict(item.split("=", 1) for item in args.var if "=" in item and item.split("=", 1)[1])
    if extra:
        metadata["extra"] = extra
    return metadata


def multipart(audio: Path, metadata: dict[str, Any]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n'
        f"{json.dumps(metadata, ensure_ascii=False)}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="{audio.name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + audio.read_bytes() + f"\r\n--{boundary}--\r\n".encode(), boundary


def post(url: str, key: str, audio: Path, metadata: dict[str, Any], timeout: float) -> tuple[int, str]:
    """(HTTP status, body); status 0 when the server could not be reached."""
    body, boundary = multipart(audio, metadata)
    request = urllib.request.Request(
        url.rstrip("/") + "/v1/calls",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as exc:
        return 0, str(exc)


def spool(audio: Path, metadata: dict[str, Any], folder: Path) -> Path:
    """Leave the recording and its metadata for the folder watcher; the sidecar is written first and the
    audio renamed into place last, so the watcher never sees audio without its metadata."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / audio.name
    target.with_suffix(".json").write_text(json.dumps(metadata, ensure_ascii=False), encoding="utf-8")
    partial = folder / f".{audio.name}.partial"
    shutil.copyfile(audio, partial)
    partial.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not args.file.is_file():
        print(f"callrec-asterisk-hook: {args.file} does not exist", file=sys.stderr)
        return 2
    key = args.key or args.key_file.read_text().strip()
    metadata = call_metadata(args)
    status, detail = 0, ""
    delays = [float(d) for d in args.retry_delays.split(",") if d.strip()]
    for delay in (0.0, *delays):
        time.sleep(delay)
        status, detail = post(args.url, key, args.file, metadata, args.timeout)
        if status in (200, 201) or 400 <= status < 500 and status not in (401, 403, 408, 429):
            break
    if status in (200, 201):
        print(f"callrec-asterisk-hook: stored as {json.loads(detail).get('id')}", file=sys.stderr)
        if args.delete:
            args.file.unlink()
        return 0
    print(f"callrec-asterisk-hook: callrec answered {status}: {detail[:300]}", file=sys.stderr)
    if args.spool and (status == 0 or status >= 500 or status in (401, 403, 408, 429)):
        print(f"callrec-asterisk-hook: spooled to {spool(args.file, metadata, args.spool)}", file=sys.stderr)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
