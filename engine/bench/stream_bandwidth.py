#!/usr/bin/env python3
"""A live stream's bandwidth per viewer (issue 18): a real `neural-sandbox serve`, one job per preset at
its default settings (on the CPU backend unless --backend), and one viewer reading GET /jobs/ID/stream
for --seconds: bytes a second, frames a second and the mean frame's bytes, while the job trains (its
steps a second from GET /jobs/ID before and after). --max-rate passes serve's cap on, to see it hold.
--route frames reads an attached editor's stream instead (GET /jobs/ID/frames: length-prefixed binary
frames); with --attach a `gui --attach` editor on $DISPLAY steers the job meanwhile, so that the frames
carry its views' probes, as a second editor watching it receives them.

  engine/bench/stream_bandwidth.py build/default/sandbox/neural-sandbox [--presets spiral,mnist-mlp]
      [--seconds 10] [--max-rate 0] [--backend cpu] [--route stream|frames] [--attach]
"""
import argparse
import http.client
import json
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request


def get(url):
    with urllib.request.urlopen(url, timeout=60) as reply:
        return json.loads(reply.read())


def read_stream(url, job, seconds, route):
    """Bytes and frames (SSE "data:" events, or binary frames not empty) of the stream over `seconds`, and
    the seconds it really took."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", f"/jobs/{job}/{route}")
    reply = connection.getresponse()
    assert reply.status == 200, reply.status
    total, frames, pending = 0, 0, b""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        chunk = reply.read1(1 << 20)
        if not chunk:
            break
        total += len(chunk)
        pending += chunk
        if route == "stream":
            while b"\n\n" in pending:
                event, pending = pending.split(b"\n\n", 1)
                frames += event.startswith(b"data: ")
        else:
            while len(pending) >= 4 and len(pending) >= 4 + int.from_bytes(pending[:4], "little"):
                length = int.from_bytes(pending[:4], "little")
                frames += length > 0
                pending = pending[4 + length:]
    elapsed = time.monotonic() - start
    connection.close()
    return total, frames, elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cli")
    parser.add_argument("--presets", default="spiral,mnist-mlp")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-rate", default="0")
    parser.add_argument("--backend", default="cpu")
    parser.add_argument("--route", choices=["stream", "frames"], default="stream")
    parser.add_argument("--attach", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen([args.cli, "serve", "--bind", "127.0.0.1:0", "--data-dir", data, "--max-rate",
                                   args.max_rate], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            url = server.stdout.readline().strip()
            for preset in args.presets.split(","):
                body = json.dumps({"preset": preset, "backend": args.backend, "epochs": 100000}).encode()
                request = urllib.request.Request(f"{url}/jobs", data=body, method="POST")
                job = json.loads(urllib.request.urlopen(request, timeout=120).read())["job"]
                editor = None
                if args.attach:
                    editor = subprocess.Popen([args.cli, "gui", "--attach", url, "--job", job],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    time.sleep(4.0)  # the window open, the dataset fetched, the views' probes asked for
                time.sleep(3.0)  # past the first steps' start-up
                before = get(f"{url}/jobs/{job}")
                total, frames, elapsed = read_stream(url, job, args.seconds, args.route)
                after = get(f"{url}/jobs/{job}")
                if editor:
                    editor.terminate()
                    editor.wait(timeout=30)
                steps = (after["step"] - before["step"]) / elapsed
                print(f"{preset}: {total / elapsed:.0f} bytes/s, {frames / elapsed:.1f} frames/s, "
                      f"{total / max(frames, 1):.0f} bytes a frame, job at {steps:.0f} steps/s "
                      f"(--route {args.route}{' --attach' if args.attach else ''}, --max-rate {args.max_rate}, {elapsed:.1f} s)", flush=True)
                urllib.request.urlopen(urllib.request.Request(f"{url}/jobs/{job}", method="DELETE"), timeout=60)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
