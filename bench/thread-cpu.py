#!/usr/bin/env python3
"""Per-thread CPU of a running serving benchmark, during its swap storms.

Samples /proc/<pid>/task/*/stat of the ServeBenchmark JVM every 0.25 s until it exits (at most 15 minutes),
then prints, for each measured storm (the lifetime of a `bench-storm` thread, its 2 s warm-up left out), the
CPU of every thread other than the HTTP workers and the clients, in ticks per second (percent of one core).
Start it just before the benchmark:  bench/thread-cpu.py & bench/serve.sh
"""
import collections
import glob
import os
import time


def find_pid(deadline):
    while time.time() < deadline:
        for path in glob.glob('/proc/[0-9]*/cmdline'):
            try:
                cmd = open(path, 'rb').read()
            except OSError:
                continue
            if b'io.distillery.bench.ServeBenchmark' in cmd and b'java' in cmd:
                return path.split('/')[2]
        time.sleep(0.2)
    return None


def sample(pid, deadline):
    series = collections.defaultdict(list)
    names = {}
    while os.path.exists('/proc/' + pid) and time.time() < deadline:
        now = time.time()
        for task in glob.glob('/proc/%s/task/*' % pid):
            try:
                name = open(task + '/comm').read().strip()
                fields = open(task + '/stat').read().rsplit(')', 1)[1].split()
            except OSError:
                continue
            tid = task.rsplit('/', 1)[1]
            names[tid] = name
            series[tid].append((now, int(fields[11]) + int(fields[12])))  # utime + stime
        time.sleep(0.25)
    return series, names


def ticks(samples, start, end):
    before = [x for t, x in samples if t <= start]
    upto = [x for t, x in samples if t <= end]
    return (upto[-1] - (before[-1] if before else 0)) if upto else 0


def main():
    deadline = time.time() + 900
    pid = find_pid(deadline)
    if pid is None:
        raise SystemExit('no ServeBenchmark JVM found')
    series, names = sample(pid, deadline)
    storms = sorted((s[0][0] + 2, s[-1][0]) for tid, s in series.items() if names[tid] == 'bench-storm')
    for i, (start, end) in enumerate(storms):
        per_name = collections.Counter()
        for tid, s in series.items():
            per_name[names[tid]] += ticks(s, start, end)
        seconds = end - start
        shown = ', '.join('%s %.1f' % (n, v / seconds) for n, v in per_name.most_common()
                          if v / seconds >= 0.5 and not n.startswith(('serve-http', 'bench-client')))
        print('storm %d (%.1f s): all threads %.0f ticks/s; %s' % (i, seconds, sum(per_name.values()) / seconds, shown))


if __name__ == '__main__':
    main()
