#!/usr/bin/env python3
"""The watch page's cost to training (issue 18): a real `neural-sandbox serve`, one job, its training
rate (steps a second from GET /jobs/ID) unwatched and with N watchers that request what job.html
requests (the next frame as soon as the last one came, at most --watch-fps a second; the status and the
curves every second). Phases alternate (unwatched, watched, ...) so that a machine shared with other
work affects both alike. Prints one line per phase and the ratio of the medians.

  engine/bench/watch_load.py build/default/sandbox/neural-sandbox [--watchers 10] [--seconds 10]
      [--phases 4] [--job '{"preset": "spiral", "backend": "cpu"}']
"""
import argparse
import json
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request


def get(url, accept="application/json"):
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.read()


def watcher(url, job, fps, stop, counts):
    next_status = 0.0
    since = None
    while not stop.is_set():
        started = time.monotonic()
        try:
            get(f"{url}/jobs/{job}/frame", "image/jpeg")
            counts["frames"] += 1
            if started >= next_status:
                next_status = started + 1.0
                get(f"{url}/jobs/{job}")
                curves = json.loads(get(f"{url}/jobs/{job}/curves" + ("" if since is None else f"?since={since}")))
                if curves["points"]:
                    since = curves["points"][-1][0]
        except OSError:
            counts["errors"] += 1
        time.sleep(max(0.0, 1.0 / fps - (time.monotonic() - started)))


def rate(url, job, seconds):
    first = json.loads(get(f"{url}/jobs/{job}"))["step"]
    start = time.monotonic()
    time.sleep(seconds)
    last = json.loads(get(f"{url}/jobs/{job}"))["step"]
    return (last - first) / (time.monotonic() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cli")
    parser.add_argument("--watchers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--phases", type=int, default=4)
    parser.add_argument("--watch-fps", type=float, default=2.0)
    parser.add_argument("--job", default='{"preset": "spiral", "backend": "cpu", "epochs": 1000000}')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen([args.cli, "serve", "--bind", "127.0.0.1:0", "--data-dir", data, "--watch-fps",
                                   str(args.watch_fps)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            url = server.stdout.readline().strip()
            request = urllib.request.Request(f"{url}/jobs", data=args.job.encode(), method="POST")
            job = json.loads(urllib.request.urlopen(request, timeout=60).read())["job"]
            time.sleep(3.0)  # past the first epochs' start-up
            rates = {0: [], args.watchers: []}
            for phase in range(args.phases):
                watchers = 0 if phase % 2 == 0 else args.watchers
                stop, counts = threading.Event(), {"frames": 0, "errors": 0}
                threads = [threading.Thread(target=watcher, args=(url, job, args.watch_fps, stop, counts))
                           for _ in range(watchers)]
                for t in threads:
                    t.start()
                if watchers:
                    time.sleep(4.0)  # the painter made, the first frames drawn
                measured = rate(url, job, args.seconds)
                stop.set()
                for t in threads:
                    t.join()
                if watchers:
                    time.sleep(4.0)  # WATCH_IDLE: the painter stops drawing
                rates[watchers].append(measured)
                print(f"phase {phase}: {watchers} watchers: {measured:.0f} steps/s "
                      f"({counts['frames']} frames fetched, {counts['errors']} errors)", flush=True)
            base, watched = statistics.median(rates[0]), statistics.median(rates[args.watchers])
            print(json.dumps({"unwatched_steps_per_second": round(base), "watched_steps_per_second": round(watched),
                              "watchers": args.watchers, "watch_fps": args.watch_fps,
                              "ratio": round(watched / base, 3)}))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
