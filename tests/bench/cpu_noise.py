#!/usr/bin/env python3
"""How much CPU did processes outside the benchmark use? (Noise on a shared machine.)

  cpu_noise.py snapshot FILE ROOT_PID...   record every process except the ROOT_PIDs' process
                                           trees and the ancestors of the first ROOT_PID
  cpu_noise.py share FILE                  print the percentage of all CPUs those processes
                                           (and any started since) used since the snapshot

A process's time includes its reaped children (cutime/cstime), so a build's short-lived
compilers are counted through their make. Only a foreign process tree that both starts and
ends between the two readings is missed. Per-process times are exact (scheduler run time);
/proc/stat's tick-sampled totals are not used because they misattribute ping-pong loads.
Used by tests/bench/run.sh.
"""
import json
import os
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")


def read_stat(pid):
    """(ppid, starttime, utime+stime+cutime+cstime) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()  # after "pid (comm) "
    # fields[0] is state (field 3 of proc(5)); utime is field 14, starttime field 22
    ppid = int(fields[1])
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
    return ppid, int(fields[19]), ticks


def processes():
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = read_stat(int(name))
            if st:
                out[int(name)] = st
    return out


def foreign(procs, roots):
    """The processes outside the roots' trees and the first root's ancestors."""
    children = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    ours = set()
    stack = [r for r in roots if r in procs]
    while stack:
        pid = stack.pop()
        if pid not in ours:
            ours.add(pid)
            stack.extend(children.get(pid, []))
    pid = roots[0] if roots else 0
    while pid in procs and pid > 1:
        ours.add(pid)
        pid = procs[pid][0]
    ours.add(os.getpid())
    return {pid: st for pid, st in procs.items() if pid not in ours}


def uptime_ticks():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0]) * HZ


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "snapshot":
        roots = [int(p) for p in sys.argv[3:] if p.isdigit()]
        snap = {
            "wall": time.monotonic(),
            "boot_ticks": uptime_ticks(),
            "roots": roots,
            "procs": {str(p): [s[1], s[2]] for p, s in foreign(processes(), roots).items()},
        }
        with open(sys.argv[2], "w") as f:
            json.dump(snap, f)
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "share":
        with open(sys.argv[2]) as f:
            snap = json.load(f)
        wall = time.monotonic() - snap["wall"]
        before = snap["procs"]
        used = 0
        for pid, (_, start, ticks) in foreign(processes(), snap["roots"]).items():
            old = before.get(str(pid))
            if old and old[0] == start:
                used += max(0, ticks - old[1])
            elif start >= snap["boot_ticks"] - HZ:  # started since the snapshot
                used += ticks
        share = used / (HZ * os.cpu_count() * wall) * 100 if wall > 0 else 0
        print(f"{share:.0f}%")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
