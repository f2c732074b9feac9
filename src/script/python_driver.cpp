// The fixed text of the Python script (src/script/python.cpp lays out the model's part around it): helpers that
// compute what C computes, the driver that runs a simulation stop by stop, the history that delay() reads and the
// search for a fast reaction's equilibrium.
#include "drivers.hpp"

namespace tolsim::script::detail {

// Python's math module raises where C returns an infinity or NaN; these helpers return what C (and so tolsim's
// kernels) would: numpy's IEEE arithmetic is the fallback, with its warnings silenced.
const char* const kPythonHelpers = R"py(
np.seterr(all="ignore")


def _unary(fast, ieee):
    def function(x):
        try:
            return fast(x)
        except (ValueError, OverflowError):
            return float(ieee(np.float64(x)))
    return function


_exp = _unary(math.exp, np.exp)
_log = _unary(math.log, np.log)
_log10 = _unary(math.log10, np.log10)
_sqrt = _unary(math.sqrt, np.sqrt)
_sin = _unary(math.sin, np.sin)
_cos = _unary(math.cos, np.cos)
_tan = _unary(math.tan, np.tan)
_asin = _unary(math.asin, np.arcsin)
_acos = _unary(math.acos, np.arccos)
_sinh = _unary(math.sinh, np.sinh)
_cosh = _unary(math.cosh, np.cosh)
_floor = _unary(lambda x: float(math.floor(x)), np.floor)
_ceil = _unary(lambda x: float(math.ceil(x)), np.ceil)


def _pow(a, b):
    try:
        return math.pow(a, b)
    except (ValueError, OverflowError):
        return float(np.power(np.float64(a), np.float64(b)))


def _div(a, b):
    return float(np.float64(a) / np.float64(b))


def _gamma(x):
    try:
        return math.gamma(x)
    except (ValueError, OverflowError):
        if x == 0.0:
            return math.copysign(math.inf, x)
        return math.inf if x > 0.0 else math.nan


# min and max as tolsim computes them: NaN propagates, and min(+0, -0) is -0 in either order.
def _min(a, b):
    if a < b:
        return a
    if b < a:
        return b
    if a == b:
        return a if math.copysign(1.0, a) < 0.0 else b
    return a + b


def _max(a, b):
    if a > b:
        return a
    if b > a:
        return b
    if a == b:
        return b if math.copysign(1.0, a) < 0.0 else a
    return a + b
)py";

const char* const kPythonDriver = R"py(

P0 = [value for _, value in PARAMETERS]
PARAMETER_INDEX = {name: i for i, (name, _) in enumerate(PARAMETERS)}


def initial(t, p):
    """The state at t; writes the derived parameters into p."""
    n = len(STATES)
    values = init_kernel(t, [0.0] * n, p, [0.0] * n)
    for k, slot in enumerate(DERIVED):
        p[slot] = values[n + k]
    return values[:n]


def _state_units(t, y, p, u, state, amount):
    """A dose in the state's own unit: a state stored as a concentration receives amount / compartment size."""
    if state not in CONCENTRATION_STATES:
        return amount
    size = outputs(t, y, p, u)[CONCENTRATION_STATES[state]]
    if not (size > 0.0 and math.isfinite(size)):
        raise RuntimeError(f"cannot dose '{STATES[state]}' at t = {t}: the size of its compartment is {size}")
    return amount / size


def _apply_doses(t, y, p, u, active):
    """Boluses at t are added to y; infusions starting or ending at t change the input. Returns the input."""
    changed = False
    for i, (start, end, state, rate) in enumerate(INFUSIONS):
        if not end > start:
            continue
        if end == t:
            active.pop(i, None)
            changed = True
        elif start == t:
            active[i] = (state, _state_units(t, y, p, u, state, rate))
            changed = True
    if changed:
        u = [0.0] * len(STATES)
        for state, rate in active.values():
            u[state] += rate
    for when, state, amount in BOLUSES:
        if when == t:
            y[state] += _state_units(t, y, p, u, state, amount)
    return u


def _relation_from_sign(op, g):
    """The value of `lhs op rhs` from g = lhs - rhs."""
    if op == ">":
        return g > 0.0
    if op == ">=":
        return g >= 0.0
    if op == "<":
        return g < 0.0
    if op == "<=":
        return g <= 0.0
    if op == "==":
        return g == 0.0
    return g != 0.0


def _relation_after_crossing(op, direction):
    """The value just after a crossing in `direction` (+1: g rising, -1: g falling)."""
    if op in (">", ">="):
        return direction > 0
    if op in ("<", "<="):
        return direction < 0
    return op == "=="  # equality holds exactly at the crossing, and only there


class _Relations:
    """The value of every trigger relation. At a stop, a relation at its crossing (a root located here, or a
    scheduled time reached, or g exactly 0 and moving) takes the value it has just after the crossing, and keeps it
    while its g stays where it was; otherwise the sign of g decides."""

    def __init__(self):
        n = len(RELATIONS)
        self.value = [False] * n
        self.direction = [0] * n  # of the crossing at this stop; 0: none
        self.g_at_crossing = [0.0] * n

    def begin_stop(self):
        self.direction = [0] * len(RELATIONS)

    def at_crossing(self, k, g):
        return self.direction[k] != 0 and g == self.g_at_crossing[k]

    def update(self, g, crossing):
        for k, (op, _, _) in enumerate(RELATIONS):
            if self.at_crossing(k, g[k]):
                continue
            if crossing[k] != 0:
                self.value[k] = _relation_after_crossing(op, crossing[k])
                self.direction[k] = crossing[k]
                self.g_at_crossing[k] = g[k]
            else:
                self.value[k] = _relation_from_sign(op, g[k])
                self.direction[k] = 0

    def trigger(self, event):
        return self._term(event.terms, event.root)

    def _term(self, terms, i):
        kind, argument = terms[i]
        if kind == "relation":
            return self.value[argument]
        if kind == "constant":
            return argument
        values = [self._term(terms, c) for c in argument]
        if kind == "and":
            return all(values)
        if kind == "or":
            return any(values)
        if kind == "xor":
            return sum(values) % 2 == 1
        return not values[0]


def _root_function(k, p, u, t, y):
    """The root function of relation k, for solve_ivp's events. A value that is not a number stops the run."""
    g = relations(t, y.tolist(), p, u)[k]
    if not math.isfinite(g):
        raise RuntimeError(f"event trigger relation {k} is {g} at t = {t}")
    return g


def _guarded(solver):
    """The scipy solver class `solver`, failing where a step does not move time on or a stretch between two stops
    takes more than MAX_STEPS steps (as tolsim's CVODES run does), and adding every step to the history of a model
    with delay()."""
    class Guarded(solver):
        steps = 0  # in this stretch: each stretch has its own solver

        def step(self):
            message = super().step()
            if self.status == "failed":
                return message
            self.steps += 1
            if self.t == self.t_old or self.steps > MAX_STEPS:
                self.status = "failed"
                return (f"the step size underflowed at t = {self.t}" if self.t == self.t_old else
                        f"more than {MAX_STEPS} steps before t = {self.t_bound} (stopped at t = {self.t})")
            if DELAYS:
                _HISTORY.add_step(self.t, self.dense_output())
            return message
    Guarded.__name__ = solver.__name__
    return Guarded


_SOLVERS = {name: _guarded(getattr(scipy.integrate, name)) for name in ("LSODA", "BDF", "Radau")}


def _same_instant(a, b):
    return abs(b - a) <= 16.0 * sys.float_info.epsilon * max(1.0, abs(a), abs(b))


class _Run:
    """One simulation, stop by stop as tolsim's solver runs it: doses, then event triggers, then the executions that
    are due, each followed by a new look at the triggers (SBML Level 3 event semantics). Between stops the solver
    integrates and watches the root functions of the trigger relations."""

    def __init__(self, p, method, use_jacobian):
        self.p = p
        self.method = method
        self.use_jacobian = use_jacobian
        n = len(STATES)
        self.y = initial(T_START, p)
        self.u = [0.0] * n
        if DELAYS:
            # The past before the start is the initial state, before anything happens at the start.
            _HISTORY.reset(T_START, self.y)
        if FAST_REACTION is not None:
            self.y = _equilibrate(T_START, self.y, p, self.u)  # at the start, before anything happens there
        self.active = {}
        self.relations = _Relations()
        self.trigger_value = [event.initial_value for event in EVENTS]
        self.pending = []  # (event, time, values or None, sequence)
        self.sequence = 0
        self.cascade_time = math.nan
        self.executions = 0
        self.probe_step = 1e-8 * max(1.0, T_END - T_START)
        edges = {b[0] for b in BOLUSES}
        for start, end, _, _ in INFUSIONS:
            if end > start:
                edges |= {start, end}
        # A scheduled relation has g = sign * (t - crossing), so one evaluation gives its crossing time.
        self.crossing_time = [math.nan] * len(RELATIONS)
        g = self._g(T_START, self.y)
        for k, (_, scheduled, sign) in enumerate(RELATIONS):
            if scheduled:
                self.crossing_time[k] = T_START - g[k] / sign
                edges.add(self.crossing_time[k])
        self.fixed_stops = sorted(s for s in edges if T_START < s <= T_END)
        self.watched = [k for k, (_, scheduled, _) in enumerate(RELATIONS) if not scheduled]

    def _g(self, t, y):
        return relations(t, y, self.p, self.u) if RELATIONS else []

    def run(self):
        rows = []
        k = 0

        def record_through(t, y):
            nonlocal k
            while k < len(TIMES) and TIMES[k] <= t:
                values = outputs(TIMES[k], y, self.p, self.u)
                rows.append([TIMES[k]] + [values[c] for c in COLUMNS])
                k += 1

        t = T_START
        self.process_stop(t, {}, start=True)
        record_through(t, self.y)
        options = {"method": _SOLVERS[self.method], "rtol": RTOL, "atol": ATOL, "max_step": MAX_STEP}
        if DELAYS:
            options["max_step"] = min(MAX_STEP, _delay_max_step(self.p, self.y))
        if FIRST_STEP > 0.0:
            options["first_step"] = FIRST_STEP
        while t < T_END:
            stop = self.next_stop_after(t)
            if _same_instant(t, stop):
                t = stop  # too close to integrate: the stop happens now
                self.process_stop(t, {})
                record_through(t, self.y)
                continue
            p, u = self.p, self.u
            if self.use_jacobian:
                options["jac"] = lambda s, x: jacobian(s, x.tolist(), p, u)
            watched, directions = self.watch(t)
            functions = []
            for j, direction in zip(watched, directions):
                function = functools.partial(_root_function, j, p, u)
                function.terminal = True
                function.direction = direction
                functions.append(function)
            wanted = [w for w in TIMES[k:] if w < stop]
            y0 = np.array(self.y, dtype=float)
            if DELAYS:
                _HISTORY.add_point(t, self.y)  # the state from here on, which the stop may have changed
            solution = solve_ivp(lambda s, x: rhs(s, x.tolist(), p, u), (t, stop), y0, t_eval=wanted + [stop],
                                 events=functions or None, dense_output=bool(functions), **options)
            if solution.status < 0:
                raise RuntimeError(f"{self.method} failed between t = {t} and {stop}: {solution.message}")
            # Every event function is terminal, so at most one root is recorded: the first located. scipy places it
            # to within a few rounding errors on either side; the stop is just past it, where its relation has
            # crossed (as CVODES reports a root), so that relations crossing at the same instant cross together.
            first = next((i for i, roots in enumerate(solution.t_events or []) if len(roots)), None)
            stopped = stop
            if first is not None:
                root = solution.t_events[first][-1]
                past = root + 16.0 * sys.float_info.epsilon * max(1.0, abs(root))
                stopped = past if past < stop else root  # a stop due at the root is handled after it
            for j, when in enumerate(solution.t):
                if when < stopped:
                    record_through(when, solution.y[:, j].tolist())
            if first is not None:
                self.y = solution.sol(stopped).tolist()
                g = self._g(stopped, self.y)
                found = {watched[first]: directions[first]}
                for relation, direction in zip(watched, directions):
                    if g[relation] == 0.0 or (g[relation] > 0.0) == (direction > 0):
                        found[relation] = direction
                t = stopped
                self.process_stop(t, found)
            else:
                self.y = solution.y[:, -1].tolist()
                t = stop
                self.process_stop(t, {})
            record_through(t, self.y)
        return rows

    def next_stop_after(self, t):
        stop = T_END
        for s in self.fixed_stops:
            if s > t:
                stop = min(stop, s)
                break
        for _, when, _, _ in self.pending:
            if when > t:
                stop = min(stop, when)
        return stop

    def watch(self, t):
        """The relations to watch from t, and the direction of each one's next crossing: away from the side it is on
        now, or for one at its crossing, back across it. A relation exactly at 0 that does not move is not watched
        until the next stop (CVODES would watch it again once it has moved away from 0)."""
        g = self._g(t, self.y)
        watched, directions = [], []
        for k in self.watched:
            if self.relations.at_crossing(k, g[k]):
                direction = -self.relations.direction[k]
            elif g[k] != 0.0:
                direction = -1 if g[k] > 0.0 else 1
            else:
                continue
            watched.append(k)
            directions.append(direction)
        return watched, directions

    def process_stop(self, t, found, start=False):
        # Executions at times closer than the solver can tell apart count as one instant.
        scale = max(abs(t), abs(T_END - T_START), 1.0)
        if abs(t - self.cascade_time) > 1e-12 * scale:
            self.executions = 0
        self.cascade_time = t
        if RELATIONS:
            g = self._g(t, self.y)
            crossing = [0] * len(RELATIONS)
            for k, direction in found.items():
                crossing[k] = direction
            for k, (_, scheduled, sign) in enumerate(RELATIONS):
                if scheduled and self.crossing_time[k] == t:
                    crossing[k] = 1 if sign > 0.0 else -1
            self.relations.begin_stop()
            self.relations.update(g, crossing)
        self.u = _apply_doses(t, self.y, self.p, self.u, self.active)
        if start:
            # At the start every trigger is compared with its initial value, and a relation has the value of its own
            # formula (p >= 1 with p = 1 is true even if p is falling).
            exact = _Relations()
            if RELATIONS:
                exact.update(self._g(t, self.y), [0] * len(RELATIONS))
            self.evaluate_triggers(t, exact)
            self.execute_due(t)
        self.refresh(t)
        self.evaluate_triggers(t, self.relations)
        self.execute_due(t)
        if FAST_REACTION is not None:
            self.equilibrate(t, any(k in FAST_RELATIONS for k in found))

    def equilibrate(self, t, switched):
        """Doses and events move the state off the fast reaction's equilibrium; it is back there at the same
        instant. Where its rate has just switched branch, its comparison sits on its boundary, where the rate may be 0
        whatever the state, so the equilibrium is the one the branch after gives: found a probe step later in time.
        (tolsim also moves the state along its derivative for the probe; that derivative can be unbounded just past
        the switch, where the state is a root found by interpolation, so the scripts keep the state: it is already
        past the crossing of any relation on it.)"""
        self.y = _equilibrate(t + self.probe_step if switched else t, self.y, self.p, self.u)

    def refresh(self, t):
        """Relation values after doses and assignments. One exactly at 0 takes the value it has just after t."""
        if not RELATIONS:
            return
        g = self._g(t, self.y)
        crossing = [0] * len(RELATIONS)
        if any(not RELATIONS[k][1] and g[k] == 0.0 and not self.relations.at_crossing(k, 0.0)
               for k in range(len(RELATIONS))):
            f = rhs(t, self.y, self.p, self.u)
            ahead = self._g(t + self.probe_step, [a + self.probe_step * b for a, b in zip(self.y, f)])
            for k in range(len(RELATIONS)):
                if not RELATIONS[k][1] and g[k] == 0.0:
                    crossing[k] = 1 if ahead[k] > 0.0 else (-1 if ahead[k] < 0.0 else 0)
        self.relations.update(g, crossing)

    def evaluate_triggers(self, t, relation_values):
        for e, event in enumerate(EVENTS):
            now = relation_values.trigger(event)
            before = self.trigger_value[e]
            self.trigger_value[e] = now
            if now and not before:
                self.fire(e, t)
            elif before and not now and not event.persistent:
                self.pending = [x for x in self.pending if x[0] != e]  # not persistent: cancelled

    def fire(self, e, t):
        event = EVENTS[e]
        when, values = t, None
        if event.has_delay or event.values_at_trigger:
            out = event.kernel(t, self.y, self.p, self.u)
            if event.has_delay:
                if not (math.isfinite(out[0]) and out[0] >= 0.0):
                    raise RuntimeError(f"event '{event.name}' triggered at t = {t} with delay {out[0]}: a delay must be "
                                       "finite and >= 0")
                when = t + out[0]
            if event.values_at_trigger:
                values = out[2:]
        self.pending.append((e, when, values, self.sequence))
        self.sequence += 1

    def execute_due(self, t):
        while True:
            due = [i for i, x in enumerate(self.pending) if x[1] <= t]
            if not due:
                return
            # The highest priority (evaluated now, after the previous execution) first; then the event defined
            # first; then the execution fired first. An event without priority ranks as priority 0.
            best, best_key = None, None
            for i in due:
                e, _, _, sequence = self.pending[i]
                priority = 0.0
                if EVENTS[e].has_priority:
                    priority = EVENTS[e].kernel(t, self.y, self.p, self.u)[1]
                    if not math.isfinite(priority):
                        raise RuntimeError(f"event '{EVENTS[e].name}' has priority {priority} at t = {t}")
                key = (priority, -e, -sequence)
                if best_key is None or key > best_key:
                    best, best_key = i, key
            if self.executions >= MAX_EVENTS_PER_TIME:
                raise RuntimeError(f"more than {MAX_EVENTS_PER_TIME} event executions at t = {t} (next: "
                                   f"'{EVENTS[self.pending[best][0]].name}'): events keep triggering each other")
            self.executions += 1
            self.execute(self.pending.pop(best), t)
            self.refresh(t)
            self.evaluate_triggers(t, self.relations)

    def execute(self, execution, t):
        e, _, values, _ = execution
        kernel, assignments = EVENTS[e].kernel, EVENTS[e].assignments
        if values is None:
            values = kernel(t, self.y, self.p, self.u)[2:]
        # An assigned concentration is an amount in the compartment as it was before the event, and a compartment
        # that the event resizes keeps the amounts in it.
        sizes = None
        if CONCENTRATION_STATES or any(size is not None for _, size in assignments):
            sizes = outputs(t, self.y, self.p, self.u)
        for (state, size), value in zip(assignments, values):
            self.y[state] = value if size is None else value * sizes[size]
        if CONCENTRATION_STATES:
            after = outputs(t, self.y, self.p, self.u)
            for state, c in CONCENTRATION_STATES.items():
                if sizes[c] != after[c] and after[c] != 0.0:
                    self.y[state] *= sizes[c] / after[c]


def simulate(p=None, method="LSODA", use_jacobian=True):
    """Rows [t, column values...] at TIMES. Integrates stretch by stretch between doses, scheduled times and event
    triggers, so that each is a discontinuity the solver starts afresh from. Raises RuntimeError if the solver
    fails."""
    p = list(P0 if p is None else p)
    return _Run(p, method, use_jacobian).run()


def read_parameters(path):
    """One parameter vector per row of a CSV whose header names parameters; the others keep their values."""
    with open(path, newline="") as f:
        table = list(csv.reader(f))
    if not table:
        raise ValueError(f"{path}:1: error: empty file; expected a header of parameter names")
    header = [name.strip() for name in table[0]]
    for name in header:
        if name not in PARAMETER_INDEX:
            raise ValueError(f"{path}:1: error: '{name}' is not a parameter of {MODEL}")
        if PARAMETER_INDEX[name] in DERIVED:
            raise ValueError(f"{path}:1: error: '{name}' is computed from other values and cannot be set")
    patients = []
    for line, row in enumerate(table[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise ValueError(f"{path}:{line}: error: {len(row)} values for {len(header)} names")
        p = list(P0)
        for name, text in zip(header, row):
            try:
                p[PARAMETER_INDEX[name]] = float(text)
            except ValueError:
                raise ValueError(f"{path}:{line}: error: '{text}' for {name} is not a number") from None
        patients.append(p)
    return patients


def write_csv(path, results, population):
    """The CSV of `tolsim simulate` (with a first column `patient` for a population), written whole or not at
    all."""
    lines = [",".join((["patient"] if population else []) + ["time"] + [OUTPUTS[c] for c in COLUMNS])]
    for number, rows in enumerate(results, start=1):
        for row in rows:
            lines.append(",".join(([str(number)] if population else []) + [repr(float(x)) for x in row]))
    text = "\n".join(lines) + "\n"
    if path is None:
        sys.stdout.write(text)
        return
    temporary = path + ".tmp"
    with open(temporary, "w") as f:
        f.write(text)
    os.replace(temporary, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=f"Simulate {MODEL} (exported by tolsim) with scipy solve_ivp.")
    parser.add_argument("--method", default="LSODA", choices=["LSODA", "BDF", "Radau"],
                        help="scipy solver (default: LSODA)")
    parser.add_argument("--no-jacobian", action="store_true",
                        help="let the solver approximate the Jacobian by finite differences")
    parser.add_argument("--out", help="CSV file to write (default: standard output)")
    parser.add_argument("--parameters", help="CSV of parameter values, one simulation per row")
    parser.add_argument("--timing", action="store_true",
                        help="print the wall time of the simulations (not of start-up) to standard error")
    args = parser.parse_args(argv)
    try:
        patients = read_parameters(args.parameters) if args.parameters else [None]
    except (OSError, ValueError) as e:
        print(e, file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        results = [simulate(p, args.method, not args.no_jacobian) for p in patients]
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    elapsed = time.perf_counter() - started
    if args.timing:
        print(f"simulate_seconds={elapsed:.6f} runs={len(results)}", file=sys.stderr)
    write_csv(args.out, results, args.parameters is not None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
)py";

// The history of past states for delay(), as tolsim keeps it (src/solve/delay_history.hpp): each step the solver
// takes, as its own interpolant, plus constant pieces for the initial state and the state after each restart.
const char* const kPythonDelayDriver = R"py(

class _History:
    """Records in time order, each covering the times after the previous record's end up to its own end: a step
    (the solver's dense output over it) or a point (a constant state). A query before the first record takes the
    first; one after the last extends the last, which happens only when a step is longer than a delay."""

    def __init__(self):
        self.ends = []
        self.records = []  # a list (constant state) or a dense output

    def reset(self, t, y):
        """A new run: the past is the state y from t, before anything happens at t."""
        self.ends = [t]
        self.records = [list(y)]

    def _truncate_after(self, t):
        # A restart before the end of the last step (a root inside it) discards the rest of that step.
        while self.ends and self.ends[-1] > t:
            if len(self.ends) > 1 and self.ends[-2] >= t:
                self.ends.pop()
                self.records.pop()
            else:
                self.ends[-1] = t
                break

    def add_point(self, t, y):
        self._truncate_after(t)
        self.ends.append(t)
        self.records.append(list(y))

    def add_step(self, t_end, dense):
        self._truncate_after(t_end)
        self.ends.append(t_end)
        self.records.append(dense)

    def state_at(self, t):
        # The first record that ends at or after t; at a discontinuity, the value before the jump.
        i = min(bisect.bisect_left(self.ends, t), len(self.ends) - 1)
        record = self.records[i]
        return record if isinstance(record, list) else record(t).tolist()


_HISTORY = _History()


def _fill_delays(t, y, p, u, count):
    """Sets u[len(STATES) + k] for the first `count` delays at time t: x at t - tau on the state from the history."""
    n = len(STATES)
    for k in range(count):
        delay = DELAYS[k]
        tau = delay.time(t, y, p, u)[0]
        if not (math.isfinite(tau) and tau >= 0.0):
            raise RuntimeError(f"{delay.text} has delay time {tau} at t = {t}: a delay must be finite and >= 0")
        if tau == 0.0:
            u[n + k] = delay.value(t, y, p, u)[0]
            continue
        at = t - tau
        past = _HISTORY.state_at(at)
        if at < T_START:
            u[n + k] = delay.initial(at, past, p, u)[0]
            continue
        inputs = u
        if delay.nested:
            inputs = list(u)
            _fill_delays(at, past, p, inputs, k)
        u[n + k] = delay.value(at, past, p, inputs)[0]


def _with_delays(t, y, p, u):
    """The input u (infusion rates) followed by the value of every delay() at t."""
    full = list(u[:len(STATES)]) + [0.0] * len(DELAYS)
    _fill_delays(t, y, p, full, len(DELAYS))
    return full


def _delay_max_step(p, y):
    """The shortest constant delay at the start: steps no longer than it keep every delayed time in the history."""
    u = _with_delays(T_START, y, p, [0.0] * len(STATES))
    times = [delay.time(T_START, y, p, u)[0] for delay in DELAYS if delay.constant_time]
    times = [tau for tau in times if tau > 0.0]
    return min(times) if times else math.inf
)py";

// The equilibrium of a fast reaction, as tolsim finds it (src/solve/fast_reaction.cpp).
const char* const kPythonFastDriver = R"py(

def _equilibrate(t, y, p, u):
    """y moved along the fast reaction's column d to the equilibrium the reaction itself runs to: a move of extent x
    changes y by d x, and the extent runs as dx/dt = g(x), so from g(0) > 0 forward to the first x > 0 where g is 0
    (backward for g(0) < 0). The root is bracketed by steps in that direction, then found by Newton's method kept
    inside the bracket. Raises RuntimeError if there is none."""
    n = len(STATES)
    start = list(y)
    out = fast_kernel(t, start, p, u)
    g0, column = out[0], out[2:2 + n]
    if g0 == 0.0:
        return start
    where = f"fast reaction '{FAST_REACTION}' cannot reach equilibrium at t = {t}"
    if not math.isfinite(g0):
        raise RuntimeError(f"{where}: its rate is {g0}")
    def size(state):
        """The largest |y_i| of the states the reaction changes."""
        return max([abs(a) for a, c in zip(state, column) if c != 0.0], default=0.0)

    reach = max([abs(c) for c in column if c != 0.0], default=0.0)
    if reach == 0.0:
        raise RuntimeError(f"{where}: its rate is {g0} and it changes no species")
    sign = 1.0 if g0 > 0.0 else -1.0
    line = {"y": start, "g": g0, "slope": out[1]}

    def go(x):
        line["y"] = [a + c * x for a, c in zip(start, column)]
        values = fast_kernel(t, line["y"], p, u)
        line["g"], line["slope"] = values[0], values[1]

    def newton():
        step = _div(-line["g"], line["slope"])
        return step if math.isfinite(step) and step * sign > 0.0 else 0.0

    def converged(width):
        return width * reach <= 1e-14 * size(line["y"])

    lo = x = 0.0
    step = newton()
    if step == 0.0:
        step = sign * max(size(start), 1.0) / reach
    evaluations = 0
    while evaluations < 200:  # 1. bracket: lo on the start side of the root, x past it
        evaluations += 1
        go(lo + step)
        x = lo + step
        if line["g"] == 0.0:
            return line["y"]
        if not math.isfinite(line["g"]):  # beyond where the rate is defined: a shorter step
            step /= 2.0
            continue
        if line["g"] * sign < 0.0:
            break
        lo = x
        if converged(abs(step)):  # Newton from one side
            return line["y"]
        step = newton() or 2.0 * step
    else:
        raise RuntimeError(f"{where}: its rate keeps the sign of {g0} along the reaction")
    hi = x
    while evaluations < 200:  # 2. Newton's method inside [lo, hi], bisecting when a step would leave it
        evaluations += 1
        following = x - _div(line["g"], line["slope"])
        if not math.isfinite(following) or (following - lo) * (following - hi) >= 0.0:
            following = 0.5 * (lo + hi)
        if following in (lo, hi):  # the bracket is as narrow as doubles allow
            return line["y"]
        moved = abs(following - x)
        go(following)
        x = following
        if line["g"] == 0.0:
            return line["y"]
        if not math.isfinite(line["g"]):
            raise RuntimeError(f"{where}: its rate is {line['g']} between two states where it is finite")
        if line["g"] * sign > 0.0:
            lo = x
        else:
            hi = x
        if converged(min(moved, abs(hi - lo))):
            return line["y"]
    raise RuntimeError(f"fast reaction '{FAST_REACTION}' did not reach equilibrium at t = {t} in 200 evaluations")
)py";

}  // namespace tolsim::script::detail
