#!/usr/bin/env python3
"""An attached editor's cost to its job (issue 18): a real `neural-sandbox serve`, one job, its training rate
(steps a second from GET /jobs/ID, times the batch: samples a second) alone and with `gui --attach URL`
open in a window on $DISPLAY (its frame cap, as a user runs it). Phases alternate (alone, attached, ...)
so that a machine shared with other work affects both alike. Prints one line per phase and the ratio of
the medians. On one machine the editor and the server share the cores, as they would not across a
network: --editor-nice 19 leaves the editor only what the job does not use, which approaches the cost
to the server alone (its frames, the editor's probes).

  DISPLAY=:81 engine/bench/attach_load.py build/default/sandbox/neural-sandbox [--seconds 10] [--phases 4]
      [--job '{"preset": "spiral", "backend": "cpu"}'] [--editor-nice N]
"""
import argparse
import json
import statistics
import subprocess
import tempfile
import time
import urllib.request

from watch_load import get, rate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cli")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--phases", type=int, default=4)
    parser.add_argument("--job", default='{"preset": "spiral", "backend": "cpu", "epochs": 1000000}')
    parser.add_argument("--editor-nice", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen([args.cli, "serve", "--bind", "127.0.0.1:0", "--data-dir", data],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            url = server.stdout.readline().strip()
            request = urllib.request.Request(f"{url}/jobs", data=args.job.encode(), method="POST")
            job = json.loads(urllib.request.urlopen(request, timeout=60).read())["job"]
            batch = json.loads(get(f"{url}/jobs/{job}"))["hyperparams"]["batch"]
            time.sleep(3.0)  # past the first epochs' start-up
            rates = {False: [], True: []}
            for phase in range(args.phases):
                attached = phase % 2 == 1
                editor = None
                if attached:
                    editor = subprocess.Popen(["nice", "-n", str(args.editor_nice), args.cli, "gui", "--attach", url, "--job", job],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    time.sleep(4.0)  # the window open, the dataset fetched, the first frames drawn
                measured = rate(url, job, args.seconds)
                if editor:
                    editor.terminate()
                    editor.wait(timeout=30)
                    time.sleep(1.0)
                rates[attached].append(measured)
                print(f"phase {phase}: {'attached' if attached else 'alone'}: {measured:.0f} steps/s, "
                      f"{measured * batch:.0f} samples/s", flush=True)
            alone, attached = statistics.median(rates[False]), statistics.median(rates[True])
            print(json.dumps({"alone_samples_per_second": round(alone * batch),
                              "attached_samples_per_second": round(attached * batch), "ratio": round(attached / alone, 3),
                              "editor_nice": args.editor_nice}))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
