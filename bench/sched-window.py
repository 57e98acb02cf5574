#!/usr/bin/env python3
"""What ran on the cores during a traced phase's slowest episodes, from a kernel trace of context switches.

A serving benchmark run with --trace true lists, for each traced phase, its three largest episodes of slow
requests with their start in seconds of CLOCK_MONOTONIC (the clock of System.nanoTime on Linux); its log
(target/serve-bench.log) marks when each phase begins and ends on the same clock. Record the switches
during the phase with the same clock, then give this script the switches, the report and the phase's label:

  perf record -e sched:sched_switch -a -k CLOCK_MONOTONIC -o /tmp/sched.data -- sleep 14   # during the phase
  perf script -i /tmp/sched.data -F cpu,time,trace > /tmp/sched.txt
  bench/sched-window.py /tmp/sched.txt REPORT.md target/serve-bench.log "onnx+JSON one-row at 50% of its rate, swap storm"

For each episode (from 5 ms before its first request to its end) and for the whole traced window, it prints the
on-CPU milliseconds of every thread that ran (name as the kernel knows it, and thread id), its longest run without
a switch, and how long the cores were idle, then the episode slice by slice: a thread with a long uninterrupted
run in an episode and little in quiet time is a suspect. Reads files only; starts nothing.
"""
import collections
import re
import sys

SWITCH = re.compile(r'\[(\d+)\]\s+(\d+\.\d+):?\s+prev_comm=(.*?) prev_pid=(\d+) .*?==> next_comm=(.*?) next_pid=(\d+)')
EPISODE = re.compile(r' (\d+) requests over ([\d.]+) ms from ([\d.]+) s \(the slowest ([\d.]+) ms')
LEAD_S = 0.005
TOP = 12
SLICE_S = 0.005
MAX_SLICES = 40


def runs(path):
    """Each CPU's runs: (cpu, start, end, comm, tid) from consecutive switches on that CPU."""
    current = {}
    out = []
    with open(path, errors='replace') as f:
        for line in f:
            m = SWITCH.search(line)
            if not m:
                continue
            cpu, t = int(m.group(1)), float(m.group(2))
            if cpu in current:
                start, comm, tid = current[cpu]
                out.append((cpu, start, t, comm, tid))
            current[cpu] = (t, m.group(5), int(m.group(6)))
    return out


def phase_window(log_path, label):
    begin = end = None
    with open(log_path, errors='replace') as f:
        for line in f:
            m = re.match(r'phase (begins|ends) at ([\d.]+) s: (.*)$', line.strip())
            if m and m.group(3) == label:
                if m.group(1) == 'begins':
                    begin = float(m.group(2))
                else:
                    end = float(m.group(2))
    return begin, end


def episodes(report_path, label):
    text = open(report_path, errors='replace').read()
    at = text.find('\n' + label + ':')
    if at < 0:
        sys.exit(f'no traced phase "{label}" in {report_path}')
    paragraph = text[at:].split('\n\n', 3)[1]
    return [(int(n), float(ms) / 1e3, float(start), float(slowest))
            for n, ms, start, slowest in EPISODE.findall(paragraph)]


def within(all_runs, lo, hi):
    """The runs that overlap [lo, hi], cut to it."""
    return [(cpu, max(start, lo), min(end, hi), comm, tid)
            for cpu, start, end, comm, tid in all_runs if min(end, hi) > max(start, lo)]


def on_cpu(runs_in_window):
    """Seconds on a core and the longest run of each thread ('idle' for the idle task), of runs already cut."""
    total = collections.Counter()
    longest = collections.Counter()
    for cpu, start, end, comm, tid in runs_in_window:
        key = f'{comm}:{tid}' if tid else 'idle'
        total[key] += end - start
        longest[key] = max(longest[key], end - start)
    return total, longest


def summary(all_runs, lo, hi, cores):
    total, longest = on_cpu(within(all_runs, lo, hi))
    span = hi - lo
    idle = total.pop('idle', 0.0)
    longest.pop('idle', None)
    lines = [f'  cores idle {100 * idle / (span * cores):.0f}% of {span * 1e3:.1f} ms × {cores} cores']
    for key, seconds in total.most_common(TOP):
        lines.append(f'  {seconds * 1e3:8.1f} ms on CPU, longest run {longest[key] * 1e3:6.1f} ms  {key}')
    return '\n'.join(lines)


def timeline(all_runs, lo, hi, cores):
    """The window in slices of SLICE_S: how idle the cores were and the three threads that ran most in each."""
    lines = []
    window = within(all_runs, lo, hi)
    start = lo
    while start < hi and len(lines) < MAX_SLICES:
        end = min(hi, start + SLICE_S)
        total, _ = on_cpu(within(window, start, end))
        idle = total.pop('idle', 0.0)
        top = ', '.join(f'{k} {v * 1e3:.1f}' for k, v in total.most_common(3))
        lines.append(f'    +{(start - lo) * 1e3:5.0f} ms: idle {100 * idle / ((end - start) * cores):3.0f}%; {top}')
        start = end
    return '\n'.join(lines)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    switches, report, log, label = sys.argv[1:]
    all_runs = runs(switches)
    if not all_runs:
        sys.exit(f'no sched_switch events in {switches}')
    cores = len({r[0] for r in all_runs})
    traced_from, traced_to = all_runs[0][1], all_runs[-1][2]
    begin, end = phase_window(log, label)
    if begin is not None and end is not None:
        lo, hi = max(begin, traced_from), min(end, traced_to)
        print(f'{label}: the phase and the kernel trace overlap {max(0.0, hi - lo):.1f} s')
        if hi > lo:
            print(summary(all_runs, lo, hi, cores))
    for n, duration, start, slowest in episodes(report, label):
        lo, hi = start - LEAD_S, start + duration
        if lo < traced_from or hi > traced_to:
            print(f'\nepisode at {start:.3f} s ({n} slow requests): outside the kernel trace')
            continue
        print(f'\nepisode at {start:.3f} s: {n} slow requests over {duration * 1e3:.1f} ms, the slowest '
              f'{slowest:.2f} ms (window from {LEAD_S * 1e3:.0f} ms before)')
        print(summary(all_runs, lo, hi, cores))
        print(f'  in slices of {SLICE_S * 1e3:.0f} ms (ms on CPU):')
        print(timeline(all_runs, lo, hi, cores))


if __name__ == '__main__':
    main()
