"""The local search's inner loop over numpy arrays, compiled by numba (`solver` extra).

`LocalSearch` packs a problem into the arrays below once and drives `search` in chunks of moves;
everything per move (drawing it, checking the hard rules, pricing the rows it touches, accepting it)
happens here, about 24x faster than the same loop in Python (4.1 M against 172 k moves tried a
second on n100w4). Without numba the functions run as plain Python over the same arrays: the
same rules and pricing, far slower.

Arrays (all int64 unless said; N nurses, D days, S shift types, K skills):

- `grid[N, D]` shift index per day (-1 = off), `role[N, D]` skill index of the cell (-1 = off);
- `cover[D, S, K]` nurses on each cell, `dmin`/`dopt[D, S, K]` its minimum and optimal demand;
- `rules[N, 11]` per nurse: work streak, min, max run of work; off streak, min, max run of days
  off; min, max total assignments (less the history's); max working weekends (less the
  history's); complete weekends (0/1); max nights (less the history's);
- `shift_rules[N, S, 4]` per nurse and shift type: min run, max run, streak carried in, night (0/1);
- `weekends[W, 2]` first and last day of each weekend (equal when the horizon cuts it);
- `req_ptr[N + 1]`, `req[R, 4]` each nurse's requests: day, shift (-1 = any), on (0/1), weight;
- `weights[9]`: consecutive work, consecutive off, consecutive shift, total assignments, working
  weekends, complete weekends, hours, under optimal, nights above the contract's maximum;
- `hours[S]` (float) per shift type, `hour_rules[N, 3]` (float) min, max hours and the history's;
- `forbidden[S, S]` (0/1) successions, `last[N]` the history's last shift;
- `leave[N, D]`, `locked[N, D]` (0/1) days a nurse may not work, cells never changed;
- `skill_ok[N, K]` (0/1), `nurse_skills_ptr[N + 1]`/`nurse_skills[...]` each nurse's skills;
- `mates_ptr[N + 1]`/`mates[...]` the nurses sharing a skill with each nurse.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from numba import njit
except ImportError:  # pragma: no cover - numba comes with the solver extra

    def njit(*args: Any, **kwargs: Any) -> Any:  # type: ignore[no-redef]
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]
        return lambda f: f


def _compiled(function: Any) -> Any:
    """`function` compiled without the GIL, its machine code cached on disk: in `__pycache__` beside
    this file, else numba's user-wide cache (or `NUMBA_CACHE_DIR`). Where none of them is writable
    (a read-only deployment such as Lambda, whose only writable folder is /tmp) numba refuses to
    cache at all; then each process compiles once (a few seconds) instead of failing the solve."""
    try:
        return njit(cache=True, nogil=True)(function)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return njit(nogil=True)(function)


@_compiled
def run_cost(d: int, e: int, D: int, streak: int, low: int, high: int) -> int:
    """`evaluate.run_penalty`'s charge for one maximal run [d, e) of a horizon of D days, given the
    `streak` carried in from the history (which counts only for a run starting on day 0)."""
    before = streak if d == 0 else 0
    total = before + e - d
    cost = 0
    if total > high:
        cost = total - high - (before - high if before > high else 0)
    if e < D and total < low:
        cost += low - total
    return cost


@_compiled
def row_cost(n, row, rules, shift_rules, weekends, req_ptr, req, weights, hours, hour_rules):  # type: ignore[no-untyped-def]
    """The per-nurse soft cost of a row, as the evaluator has it: `run_penalty` over the row's runs
    of work, of days off and of each shift (one pass over its maximal segments of one value), the
    totals, the nights, the weekends, the hours and the requests."""
    D = row.shape[0]
    S = shift_rules.shape[1]
    w_streak, w_low, w_high = rules[n, 0], rules[n, 1], rules[n, 2]
    o_streak, o_low, o_high = rules[n, 3], rules[n, 4], rules[n, 5]
    work = 0
    off = 0
    same = 0
    off_days = 0
    nights = 0
    work_from = -1  # first day of the run of work in progress
    a = 0
    for b in range(1, D + 1):
        if b < D and row[b] == row[b - 1]:
            continue
        v = row[a]  # segment [a, b) of one value
        if v < 0:  # a whole run of days off; it ends a run of work
            if work_from >= 0:
                work += run_cost(work_from, a, D, w_streak, w_low, w_high)
                work_from = -1
            off += run_cost(a, b, D, o_streak, o_low, o_high)
            off_days += b - a
        else:  # a whole run of shift v, inside a run of work
            if work_from < 0:
                work_from = a
            same += run_cost(a, b, D, shift_rules[n, v, 2], shift_rules[n, v, 0], shift_rules[n, v, 1])
            if shift_rules[n, v, 3] != 0:
                nights += b - a
        a = b
    if work_from >= 0:
        work += run_cost(work_from, D, D, w_streak, w_low, w_high)
    # A streak from the history that day 0 ends is charged against its minimum.
    first = row[0]
    if w_streak > 0 and first < 0 and w_low > w_streak:
        work += w_low - w_streak
    if o_streak > 0 and first >= 0 and o_low > o_streak:
        off += o_low - o_streak
    for s in range(S):
        streak = shift_rules[n, s, 2]
        if streak > 0 and first != s and shift_rules[n, s, 0] > streak:
            same += shift_rules[n, s, 0] - streak
    cost = weights[0] * work + weights[1] * off + weights[2] * same
    worked = D - off_days
    if worked < rules[n, 6]:  # both, as the evaluator has it, even for a contract with min > max
        cost += weights[3] * (rules[n, 6] - worked)
    if worked > rules[n, 7]:
        cost += weights[3] * (worked - rules[n, 7])
    working = 0
    split = 0
    for i in range(weekends.shape[0]):
        x, y = weekends[i, 0], weekends[i, 1]
        if row[x] >= 0 or row[y] >= 0:
            working += 1
        if x != y and (row[x] >= 0) != (row[y] >= 0):
            split += 1
    if nights > rules[n, 10]:
        cost += weights[8] * (nights - rules[n, 10])
    if working > rules[n, 8]:
        cost += weights[4] * (working - rules[n, 8])
    if rules[n, 9]:
        cost += weights[5] * split
    if weights[6] != 0:
        total = 0.0
        for d in range(D):
            if row[d] >= 0:
                total += hours[row[d]]
        total += hour_rules[n, 2]
        outside = max(0.0, hour_rules[n, 0] - total) + max(0.0, total - hour_rules[n, 1])
        cost += int(np.rint(weights[6] * outside))  # round half to even, as Python's round
    for i in range(req_ptr[n], req_ptr[n + 1]):
        v = row[req[i, 0]]
        s = req[i, 1]
        works = v >= 0 and (s < 0 or v == s)
        if works != (req[i, 2] != 0):
            cost += req[i, 3]
    return cost


@_compiled
def _state_caps(n, rules, shift_rules):  # type: ignore[no-untyped-def]
    """`best_row`'s state for nurse `n`: how many values each of the run of work, the run of one
    shift, the run of days off, the total and the weekends worked takes (each capped where its
    charge stops changing)."""
    w_low, w_high, o_low, o_high = rules[n, 1], rules[n, 2], rules[n, 4], rules[n, 5]
    t_min, t_max, wk_max = rules[n, 6], rules[n, 7], rules[n, 8]
    CS = 1
    for s in range(shift_rules.shape[1]):
        CS = max(CS, max(shift_rules[n, s, 0], min(shift_rules[n, s, 1], 10) + 1) + 1)
    CW = max(w_low, w_high + 1) + 1
    CO = max(o_low, o_high + 1) + 1
    return CW, CS, CO, max(t_min, t_max + 1, 0) + 1, max(wk_max + 1, 0) + 1


@_compiled
def _dominated_out(act, n_act, cost, TK, CK, wt, wk, drop, low):  # type: ignore[no-untyped-def]
    """Drops from the day's states `act[:n_act]` (sorted) those another state beats by more than
    their totals' and weekends' difference can ever be worth, and returns how many are left (in
    order). Two states with the same runs differ only in the total and the weekends worked; a row's
    completion from one costs at most `wt` x the totals' difference + `wk` x the weekends' more
    than the same completion from the other (the charges still to come, over the maxima and under
    the minimum at the end, move by at most the weight per unit they start from; a count capped
    past its maximum is charged on every assignment or weekend from either). So a state whose cost
    exceeds another's plus that is on no cheapest row: dropping it changes neither the price nor
    the row (strictly beaten states only; ties stay). Per run state, the least cost plus that
    distance is swept from the smaller totals up and from the larger down (`low`: per weekends
    count, the best so far, the sweep's position taken out)."""
    a = 0
    while a < n_act:
        bucket = act[a] // TK
        b = a + 1
        while b < n_act and act[b] // TK == bucket:
            b += 1
        if b - a > 1:
            for sweep in range(2):
                sign = -1.0 if sweep == 0 else 1.0
                low[:] = 1e300
                g = a if sweep == 0 else b - 1
                while (sweep == 0 and g < b) or (sweep == 1 and g >= a):
                    t = (act[g] % TK) // CK
                    e = g  # the states of total t: [g, e] upwards, [e, g] downwards
                    step = 1 if sweep == 0 else -1
                    while a <= e + step < b and (act[e + step] % TK) // CK == t:
                        e += step
                    lo_i, hi_i = (g, e) if sweep == 0 else (e, g)
                    for k in range(CK):
                        best = 1e300
                        for i in range(lo_i, hi_i + 1):
                            c = cost[act[i]] + wk * abs(k - act[i] % CK)
                            if c < best:
                                best = c
                        best += sign * wt * t
                        if best < low[k]:
                            low[k] = best
                    for i in range(lo_i, hi_i + 1):
                        c = cost[act[i]]
                        if low[act[i] % CK] - sign * wt * t < c - 1e-9 * (1.0 + abs(c)):
                            drop[i] = True
                    g = e + step
        a = b
    kept = 0
    for i in range(n_act):
        if drop[i]:
            drop[i] = False
            cost[act[i]] = 1e18
        else:
            act[kept] = act[i]
            kept += 1
    return kept


@_compiled
def _step(n, d, v, cw, cs, co, t, wk, u, daycost, rules, shift_rules, weights, x, t_max, CW, CS, CO, CT, CK):  # type: ignore[no-untyped-def]
    """`best_row`'s move from the state (v, cw, cs, co, t, wk) before day `d` to value `u` on it (a
    legal one; `x` the first day of the weekend `d` ends, else -1; `t_max` the most assignments
    uncharged): its charge with the day's cost, and the next state's capped runs, total and
    weekends."""
    W = weights
    w_low, w_high = rules[n, 1], rules[n, 2]
    o_low, o_high = rules[n, 4], rules[n, 5]
    wk_max, complete = rules[n, 8], rules[n, 9]
    add = daycost[d, u + 1]
    if u < 0:
        if v >= 0:
            if cw > 0 and cw < w_low:
                add += W[0] * (w_low - cw)
            lo_v = shift_rules[n, v, 0]
            if cs > 0 and cs < lo_v:
                add += W[2] * (lo_v - cs)
            co2 = 1
        else:
            co2 = co + 1
        if co2 > o_high:
            add += W[1]
        ncw, ncs, nco, nt = 0, 0, min(co2, CO - 1), t
    else:
        if v < 0:
            if co > 0 and co < o_low:
                add += W[1] * (o_low - co)
            cw2 = 1
        else:
            cw2 = cw + 1
        if cw2 > w_high:
            add += W[0]
        if v >= 0 and v != u:
            lo_v = shift_rules[n, v, 0]
            if cs > 0 and cs < lo_v:
                add += W[2] * (lo_v - cs)
            cs2 = 1
        elif v == u:
            cs2 = cs + 1
        else:
            cs2 = 1
        if cs2 > shift_rules[n, u, 1]:
            add += W[2]
        if t + 1 > t_max:
            add += W[3]
        ncw, ncs, nco, nt = min(cw2, CW - 1), min(cs2, CS - 1), 0, min(t + 1, CT - 1)
    nwk = wk
    if x >= 0:
        worked_x = (v >= 0) if x == d - 1 else (u >= 0)
        if worked_x or u >= 0:
            if wk + 1 > wk_max:
                add += W[4]
            nwk = min(wk + 1, CK - 1)
        if complete and x != d and worked_x != (u >= 0):
            add += W[5]
    return add, ncw, ncs, nco, nt, nwk


@_compiled
def _allowed(v, u, lock_d, value_d, leave_d, forbidden):  # type: ignore[no-untyped-def]
    """Whether value `u` may follow `v` on a day (locked to `value_d`, on leave): `best_row`'s hard rules."""
    if lock_d and u != value_d:
        return False
    if u >= 0 and leave_d:
        return False
    return not (v >= 0 and u >= 0 and forbidden[v, u])


@_compiled
def _runs(v, cw, cs, co, CW, CS, CO):  # type: ignore[no-untyped-def]
    """The index of a state's runs in `_to_go`: a day off has only the run of days off, a worked
    day only the runs of work and of its shift."""
    return co if v < 0 else CO + (v * CW + cw) * CS + cs


@_compiled
def _to_go(n, daycost, rules, shift_rules, weights, forbidden, leave, locked, grid, CW, CS, CO):  # type: ignore[no-untyped-def]
    """For each day and runs in progress before it (`_runs`), the cheapest completion of a row at
    `best_row`'s charges with the total at 0, its maximum unbounded, and no weekend: a lower bound
    on the completion from any state with those runs (the total's and the weekends' charges are
    never negative)."""
    D = daycost.shape[0]
    S = shift_rules.shape[1]
    R = CO + S * CW * CS
    h = np.zeros((D + 1, R))
    for d in range(D - 1, -1, -1):
        lock_d, value_d, leave_d = locked[n, d], grid[n, d], leave[n, d]
        for r in range(R):
            if r < CO:
                v, cw, cs, co = -1, 0, 0, r
            else:
                i = r - CO
                cs = i % CS
                i //= CS
                cw = i % CW
                v, co = i // CW, 0
            best = 1e18
            for u in range(-1, S):
                if not _allowed(v, u, lock_d, value_d, leave_d, forbidden):
                    continue
                add, ncw, ncs, nco, _, _ = _step(
                    n, d, v, cw, cs, co, 0, 0, u, daycost, rules, shift_rules, weights,
                    -1, 1 << 40, CW, CS, CO, 2, 1,
                )  # fmt: skip
                c = add + h[d + 1, _runs(u, ncw, ncs, nco, CW, CS, CO)]
                if c < best:
                    best = c
            h[d, r] = best
    return h


@_compiled
def _greedy(  # type: ignore[no-untyped-def]
    n, h, daycost, rules, shift_rules, weights, forbidden, leave, locked, grid, wk_first, v0, cw0, cs0, co0
):
    """The cost, at `best_row`'s charges, of the row that takes each day the value whose charge plus
    bound to go (`h`, `_to_go`'s) is least: a row's cost the cheapest one's is not above (INF if
    the greedy row meets a day with no legal value)."""
    D = daycost.shape[0]
    S = shift_rules.shape[1]
    t_min, t_max = rules[n, 6], rules[n, 7]
    CW, CS, CO, CT, CK = _state_caps(n, rules, shift_rules)
    v, cw, cs, co, t, wk = v0, cw0, cs0, co0, 0, 0
    total = 0.0
    for d in range(D):
        lock_d, value_d, leave_d, x = locked[n, d], grid[n, d], leave[n, d], wk_first[d]
        pick, pick_c, pick_add = -2, 1e300, 0.0
        p_cw, p_cs, p_co, p_t, p_wk = 0, 0, 0, 0, 0
        for u in range(-1, S):
            if not _allowed(v, u, lock_d, value_d, leave_d, forbidden):
                continue
            add, ncw, ncs, nco, nt, nwk = _step(
                n, d, v, cw, cs, co, t, wk, u, daycost, rules, shift_rules, weights,
                x, t_max, CW, CS, CO, CT, CK,
            )  # fmt: skip
            c = add + h[d + 1, _runs(u, ncw, ncs, nco, CW, CS, CO)]
            if c < pick_c:
                pick, pick_c, pick_add = u, c, add
                p_cw, p_cs, p_co, p_t, p_wk = ncw, ncs, nco, nt, nwk
        if pick == -2:
            return 1e18
        total += pick_add
        v, cw, cs, co, t, wk = pick, p_cw, p_cs, p_co, p_t, p_wk
    if t < t_min:
        total += weights[3] * (t_min - t)
    return total


@_compiled
def best_row(  # type: ignore[no-untyped-def]
    n, daycost, rules, shift_rules, weekends, weights, forbidden, last, leave, locked, grid, out, work,
    prune=True,
):  # fmt: skip
    """The exact cheapest row for nurse `n` (into `out[D]`, shift index per day, -1 = off) and its
    price: the row rules of `row_cost` except requests, hours and nights (runs of work, of days off and of
    each shift, with the history's streaks; totals; working and complete weekends), plus
    `daycost[d, v + 1]` for value v on day d, under the hard rules of one row (successions, leave;
    a locked day keeps `grid[n, d]`). A dynamic program over the days whose state is the last
    value, the lengths of the runs in progress, the total and the weekends worked, each capped
    where the charge stops changing; a same-shift run is charged only up to 10 days (a row is never
    over-charged). Requests go into `daycost`: `bound.ColumnGeneration` does that.

    Two kinds of states are skipped (`prune`; False: every state, the reference the tests compare
    with), neither ever on a cheapest row, so the price and the row are those of the full program:
    those whose cost plus a bound on their completion exceeds a greedy row's, and those another
    state with the same runs beats by more than their totals and weekends can still be worth
    (`_dominated_out`). On 8-week instances at the relaxation's prices, 1.4-1.8 times faster.

    `work` (int32, at least D * `row_states(n, ...)` long) holds the back pointers: a caller pricing
    nurse after nurse passes the same one each time (over 56 days it is up to 126 MB, and a fresh
    one per row cost a third of the pricing's time in page faults); a shorter one is not used."""
    D = daycost.shape[0]
    S = shift_rules.shape[1]
    W = weights
    w_streak, o_streak, t_min, t_max = rules[n, 0], rules[n, 3], rules[n, 6], rules[n, 7]
    CW, CS, CO, CT, CK = _state_caps(n, rules, shift_rules)
    V = S + 1
    wk_first = np.full(D, -1, np.int64)  # for a weekend's last day, its first day
    for i in range(weekends.shape[0]):
        wk_first[weekends[i, 1]] = weekends[i, 0]
    size = V * CW * CS * CO * CT * CK
    INF = 1e18
    cur = np.full(size, INF)
    nxt = np.full(size, INF)
    # Only the states reached are visited (a fraction of them: a run of work has no days off in
    # progress, a shift's run is no longer than the work's, the total is at most the day): their
    # indices, in increasing order, so that ties go as a scan of every state would take them. A
    # state's back pointer is written whenever it is reached, so `back` needs no initial value.
    act = np.empty(size, np.int64)
    reached = np.empty(size, np.int64)
    drop = np.zeros(size, np.bool_)
    low = np.empty(CK)
    if work.shape[0] >= D * size:
        back = work[: D * size].reshape((D, size))
    else:
        back = np.empty((D, size), np.int32)
    v0 = last[n]
    cw0 = min(w_streak, CW - 1) if v0 >= 0 else 0
    cs0 = min(shift_rules[n, v0, 2], CS - 1) if v0 >= 0 else 0
    co0 = min(o_streak, CO - 1) if v0 < 0 else 0
    # A state whose cost so far plus a lower bound on its completion (`_to_go`) exceeds a row's
    # known cost (a greedy row's, `_greedy`) is on no cheapest row: it is not visited.
    if prune:
        h = _to_go(n, daycost, rules, shift_rules, W, forbidden, leave, locked, grid, CW, CS, CO)
        ub = _greedy(
            n, h, daycost, rules, shift_rules, W, forbidden, leave, locked, grid, wk_first, v0, cw0, cs0, co0
        )
        ub += 1e-9 * (1.0 + abs(ub))
    else:
        h = np.zeros((D + 1, CO + S * CW * CS))
        ub = INF
    act[0] = ((((v0 + 1) * CW + cw0) * CS + cs0) * CO + co0) * CT * CK
    cur[act[0]] = 0.0
    n_act = 1
    for d in range(D):
        n_reached = 0
        lock_d, value_d, leave_d, x = locked[n, d], grid[n, d], leave[n, d], wk_first[d]
        for a in range(n_act):
            idx = act[a]
            c = cur[idx]
            r = idx
            wk = r % CK
            r //= CK
            t = r % CT
            r //= CT
            co = r % CO
            r //= CO
            cs = r % CS
            r //= CS
            cw = r % CW
            r //= CW
            v = r - 1
            for u in range(-1, S):
                if not _allowed(v, u, lock_d, value_d, leave_d, forbidden):
                    continue
                add, ncw, ncs, nco, nt, nwk = _step(
                    n, d, v, cw, cs, co, t, wk, u, daycost, rules, shift_rules, W,
                    x, t_max, CW, CS, CO, CT, CK,
                )  # fmt: skip
                if c + add + h[d + 1, _runs(u, ncw, ncs, nco, CW, CS, CO)] > ub:
                    continue
                j = (((((u + 1) * CW + ncw) * CS + ncs) * CO + nco) * CT + nt) * CK + nwk
                if c + add < nxt[j]:
                    if nxt[j] >= INF:
                        reached[n_reached] = j
                        n_reached += 1
                    nxt[j] = c + add
                    back[d, j] = idx
        for a in range(n_act):  # the day's states back to unreached: the buffer is the day after next's
            cur[act[a]] = INF
        cur, nxt = nxt, cur
        act, reached = reached, act
        n_act = n_reached
        act[:n_act] = np.sort(act[:n_act])
        if prune:
            n_act = _dominated_out(act, n_act, cur, CT * CK, CK, W[3], W[4], drop, low)
    best = INF
    bj = -1
    for a in range(n_act):
        idx = act[a]
        c = cur[idx]
        t = (idx // CK) % CT
        if t < t_min:
            c += W[3] * (t_min - t)
        if c < best:
            best = c
            bj = idx
    j = bj
    for d in range(D - 1, -1, -1):
        out[d] = j // (CW * CS * CO * CT * CK) - 1
        j = back[d, j]
    return best


@_compiled
def row_states(n, rules, shift_rules):  # type: ignore[no-untyped-def]
    """The number of states of `best_row`'s dynamic program for nurse `n` (its `work` holds the
    days times this)."""
    CW, CS, CO, CT, CK = _state_caps(n, rules, shift_rules)
    return (shift_rules.shape[1] + 1) * CW * CS * CO * CT * CK


@_compiled
def legal(n, row, lo, hi, forbidden, last, leave):  # type: ignore[no-untyped-def]
    """Successions around and inside days [lo, hi] and leave there (the rest is unchanged)."""
    D = row.shape[0]
    prev = row[lo - 1] if lo > 0 else last[n]
    for d in range(lo, min(hi + 2, D)):
        cur = row[d]
        if prev >= 0 and cur >= 0 and forbidden[prev, cur]:
            return False
        prev = cur
    for d in range(lo, hi + 1):
        if leave[n, d] and row[d] >= 0:
            return False
    return True


@_compiled
def seed(value: int) -> None:
    """Seeds the compiled code's random stream (its own, apart from NumPy's)."""
    np.random.seed(value)


@_compiled
def _block(src):  # type: ignore[no-untyped-def]
    """Days [lo, hi]: half the time a whole run of `src` (sometimes with a day around it), else
    1, 3 or 7 days from a random day."""
    D = src.shape[0]
    if np.random.random() < 0.5:
        d = int(np.random.random() * D)
        if src[d] >= 0:
            lo = d
            hi = d
            while lo > 0 and src[lo - 1] >= 0:
                lo -= 1
            while hi < D - 1 and src[hi + 1] >= 0:
                hi += 1
            if np.random.random() < 0.3:
                if np.random.random() < 0.5:
                    lo = max(0, lo - 1)
                if np.random.random() < 0.5:
                    hi = min(D - 1, hi + 1)
            return lo, hi
    lo = int(np.random.random() * D)
    r = np.random.random()
    span = 1 if r < 1 / 3 else (3 if r < 2 / 3 else 7)
    return lo, min(D - 1, lo + int(np.random.random() * span))


@_compiled
def search(  # type: ignore[no-untyped-def]
    grid,
    role,
    cover,
    costs,
    best_grid,
    best_role,
    state,
    moves,
    temp,
    dmin,
    dopt,
    rules,
    shift_rules,
    weekends,
    req_ptr,
    req,
    weights,
    hours,
    hour_rules,
    forbidden,
    last,
    leave,
    locked,
    skill_ok,
    nurse_skills_ptr,
    nurse_skills,
    mates_ptr,
    mates,
):
    """Tries `moves` moves at temperature `temp` (0 = descent: only moves that do not make the
    cost worse), changing `grid`, `role`, `cover` and `costs` in place. `state` is [gained, best
    gained, tries]: the cost gained by the current roster since the start, the best gain met (whose
    roster is kept in `best_grid`/`best_role`), and the moves tried so far."""
    N, D = grid.shape
    S = shift_rules.shape[1]
    under = weights[7]
    new_a = np.empty(D, np.int64)
    new_b = np.empty(D, np.int64)
    gained = state[0]
    best_gain = state[1]
    for _ in range(moves):
        a = int(np.random.random() * N)
        if np.random.random() < 0.7:
            # Block swap: a and a mate exchange their cells over days [lo, hi].
            count = mates_ptr[a + 1] - mates_ptr[a]
            if count == 0:
                continue
            b = mates[mates_ptr[a] + int(np.random.random() * count)]
            if np.random.random() < 0.5:
                lo, hi = _block(grid[a])
            else:
                lo, hi = _block(grid[b])
            differ = False
            ok = True
            for d in range(lo, hi + 1):
                ga, gb = grid[a, d], grid[b, d]
                if ga != gb:
                    differ = True
                ra, rb = role[a, d], role[b, d]
                if (ra >= 0 and not skill_ok[b, ra]) or (rb >= 0 and not skill_ok[a, rb]):
                    ok = False
                    break
                if locked[a, d] or locked[b, d]:
                    ok = False
                    break
            if not differ or not ok:
                continue
            for d in range(D):
                new_a[d] = grid[a, d]
                new_b[d] = grid[b, d]
            for d in range(lo, hi + 1):
                new_a[d] = grid[b, d]
                new_b[d] = grid[a, d]
            if not legal(a, new_a, lo, hi, forbidden, last, leave) or not legal(
                b, new_b, lo, hi, forbidden, last, leave
            ):
                continue
            ca = row_cost(a, new_a, rules, shift_rules, weekends, req_ptr, req, weights, hours, hour_rules)
            cb = row_cost(b, new_b, rules, shift_rules, weekends, req_ptr, req, weights, hours, hour_rules)
            delta = ca + cb - costs[a] - costs[b]
            if delta > 0 and (temp <= 0 or np.random.random() >= np.exp(-delta / temp)):
                continue
            for d in range(lo, hi + 1):
                grid[a, d] = new_a[d]
                grid[b, d] = new_b[d]
                r = role[a, d]
                role[a, d] = role[b, d]
                role[b, d] = r
            costs[a] = ca
            costs[b] = cb
        else:
            # Cell change: a's day d becomes off, or another (shift, role).
            count = nurse_skills_ptr[a + 1] - nurse_skills_ptr[a]
            if count == 0:
                continue
            d = int(np.random.random() * D)
            if locked[a, d]:
                continue
            old_s, old_k = grid[a, d], role[a, d]
            if np.random.random() < 0.3:
                new_s, new_k = -1, -1
            else:
                new_s = int(np.random.random() * S)
                new_k = nurse_skills[nurse_skills_ptr[a] + int(np.random.random() * count)]
            if (new_s == old_s and new_k == old_k) or (new_s >= 0 and leave[a, d]):
                continue
            for e in range(D):
                new_a[e] = grid[a, e]
            new_a[d] = new_s
            if new_s >= 0 and not legal(a, new_a, d, d, forbidden, last, leave):
                continue
            delta = 0
            if old_s >= 0:
                got = cover[d, old_s, old_k]
                if got - 1 < dmin[d, old_s, old_k]:
                    continue
                opt = dopt[d, old_s, old_k]
                delta += under * (max(0, opt - got + 1) - max(0, opt - got))
            if new_s >= 0:
                got = cover[d, new_s, new_k]
                opt = dopt[d, new_s, new_k]
                delta += under * (max(0, opt - got - 1) - max(0, opt - got))
            ca = row_cost(a, new_a, rules, shift_rules, weekends, req_ptr, req, weights, hours, hour_rules)
            delta += ca - costs[a]
            if delta > 0 and (temp <= 0 or np.random.random() >= np.exp(-delta / temp)):
                continue
            if old_s >= 0:
                cover[d, old_s, old_k] -= 1
            if new_s >= 0:
                cover[d, new_s, new_k] += 1
            grid[a, d] = new_s
            role[a, d] = new_k
            costs[a] = ca
        gained -= delta
        if gained > best_gain:
            best_gain = gained
            best_grid[:, :] = grid
            best_role[:, :] = role
    state[0] = gained
    state[1] = best_gain
    state[2] += moves
