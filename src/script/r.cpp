// The R (deSolve) script: tables and kernels from ScriptData, then a fixed driver.
#include <fmt/format.h>

#include "script_data.hpp"

namespace tolsim::script::detail {

namespace {

constexpr const char* kHelpers = R"r(
# min and max as tolsim computes them (NaN propagates); gamma as C's tgamma at zero (an infinity, not NaN).
.tolsim_min <- function(a, b) if (is.nan(a) || is.nan(b)) NaN else min(a, b)
.tolsim_max <- function(a, b) if (is.nan(a) || is.nan(b)) NaN else max(a, b)
.tolsim_gamma <- function(x) {
  if (isTRUE(x == 0)) return(if (1 / x > 0) Inf else -Inf)
  suppressWarnings(gamma(x))
}
)r";

constexpr const char* kDriver = R"r(

# R compiles a function to bytecode during its first calls. For long straight-line kernels that takes seconds, so it
# is done here, at start-up, rather than inside the first simulation.
init_kernel <- compiler::cmpfun(init_kernel)
rhs <- compiler::cmpfun(rhs)
jacobian <- compiler::cmpfun(jacobian)
outputs <- compiler::cmpfun(outputs)
relations <- compiler::cmpfun(relations)

P0 <- unname(PARAMETERS)
N_STATES <- length(STATES)

# The state at t; the derived parameters are written into the returned p.
initial <- function(t, p) {
  values <- init_kernel(t, numeric(N_STATES), p, numeric(N_STATES))
  p[DERIVED] <- values[N_STATES + seq_along(DERIVED)]
  list(y = values[seq_len(N_STATES)], p = p)
}

# A dose in the state's own unit: a state stored as a concentration receives amount / compartment size.
state_units <- function(t, y, p, u, state, amount) {
  k <- match(state, CONCENTRATION_STATE)
  if (is.na(k)) return(amount)
  size <- outputs(t, y, p, u)[CONCENTRATION_OUTPUT[k]]
  if (!(isTRUE(size > 0) && is.finite(size)))
    stop(sprintf("cannot dose '%s' at t = %.17g: the size of its compartment is %.17g", STATES[state], t, size))
  amount / size
}

# Boluses at t are added to y; infusions starting or ending at t change the input u.
apply_doses <- function(t, y, p, u, active) {
  changed <- FALSE
  for (i in seq_along(INFUSION_START)) {
    if (!(INFUSION_END[i] > INFUSION_START[i])) next
    key <- as.character(i)
    if (INFUSION_END[i] == t) {
      active[[key]] <- NULL
      changed <- TRUE
    } else if (INFUSION_START[i] == t) {
      active[[key]] <- c(INFUSION_STATE[i], state_units(t, y, p, u, INFUSION_STATE[i], INFUSION_RATE[i]))
      changed <- TRUE
    }
  }
  if (changed) {
    u <- numeric(N_STATES)
    for (a in active) u[a[1]] <- u[a[1]] + a[2]
  }
  for (i in seq_along(BOLUS_TIME)) {
    if (BOLUS_TIME[i] == t) {
      s <- BOLUS_STATE[i]
      y[s] <- y[s] + state_units(t, y, p, u, s, BOLUS_AMOUNT[i])
    }
  }
  list(y = y, u = u, active = active)
}

# The value of `lhs op rhs` from g = lhs - rhs, and the value just after a crossing in `direction` (+1: g rising).
relation_from_sign <- function(op, g) {
  isTRUE(switch(op, ">" = g > 0, ">=" = g >= 0, "<" = g < 0, "<=" = g <= 0, "==" = g == 0, is.na(g) || g != 0))
}
relation_after_crossing <- function(op, direction) {
  if (op %in% c(">", ">=")) return(direction > 0)
  if (op %in% c("<", "<=")) return(direction < 0)
  op == "=="  # equality holds exactly at the crossing, and only there
}

# The value of every trigger relation. At a stop, a relation at its crossing (a root located here, or a scheduled
# time reached, or g exactly 0 and moving) takes the value it has just after the crossing, and keeps it while its g
# stays where it was; otherwise the sign of g decides.
new_relations <- function() {
  r <- new.env()
  r$value <- logical(length(RELATION_OP))
  r$direction <- numeric(length(RELATION_OP))  # of the crossing at this stop; 0: none
  r$g_at_crossing <- numeric(length(RELATION_OP))
  r
}
at_crossing <- function(r, k, g) r$direction[k] != 0 && isTRUE(g == r$g_at_crossing[k])
update_relations <- function(r, g, crossing) {
  for (k in seq_along(RELATION_OP)) {
    if (at_crossing(r, k, g[k])) next
    if (crossing[k] != 0) {
      r$value[k] <- relation_after_crossing(RELATION_OP[k], crossing[k])
      r$direction[k] <- crossing[k]
      r$g_at_crossing[k] <- g[k]
    } else {
      r$value[k] <- relation_from_sign(RELATION_OP[k], g[k])
      r$direction[k] <- 0
    }
  }
}
term_value <- function(r, terms, i) {
  kind <- terms[[i]][[1]]
  argument <- terms[[i]][[2]]
  if (kind == "relation") return(r$value[argument])
  if (kind == "constant") return(argument)
  values <- vapply(argument, function(c) term_value(r, terms, c), logical(1))
  switch(kind, and = all(values), or = any(values), xor = sum(values) %% 2 == 1, !values[1])
}
trigger_value <- function(r, event) term_value(r, event$terms, event$root)

same_instant <- function(a, b) abs(b - a) <= 16 * .Machine$double.eps * max(1, abs(a), abs(b))

# One simulation, stop by stop as tolsim's solver runs it: doses, then event triggers, then the executions that are
# due, each followed by a new look at the triggers (SBML Level 3 event semantics). Between stops the solver
# integrates and watches the root functions of the trigger relations.
new_run <- function(p) {
  run <- new.env()
  start <- initial(T_START, p)
  run$p <- start$p
  run$y <- start$y
  run$u <- numeric(N_STATES)
  if (length(DELAYS) > 0) history_reset(run$y)
  # A fast reaction comes to equilibrium at the start, before anything happens there.
  if (!is.null(FAST_REACTION)) run$y <- equilibrate(T_START, run$y, run$p, run$u)
  run$active <- list()
  run$relations <- new_relations()
  run$trigger <- vapply(EVENTS, function(e) e$initial_value, logical(1))
  run$pending <- list()  # each list(event, time, values or NULL, sequence)
  run$sequence <- 0
  run$cascade_time <- NaN
  run$executions <- 0
  run$probe_step <- 1e-8 * max(1, T_END - T_START)
  edges <- BOLUS_TIME
  dosing <- INFUSION_END > INFUSION_START
  edges <- c(edges, INFUSION_START[dosing], INFUSION_END[dosing])
  # A scheduled relation has g = sign * (t - crossing), so one evaluation gives its crossing time.
  run$crossing_time <- rep(NaN, length(RELATION_OP))
  g <- relations(T_START, run$y, run$p, run$u)
  scheduled <- which(RELATION_SCHEDULED)
  run$crossing_time[scheduled] <- T_START - g[scheduled] / RELATION_SIGN[scheduled]
  edges <- c(edges, run$crossing_time[scheduled])
  run$fixed_stops <- sort(unique(edges[edges > T_START & edges <= T_END]))
  run$watched <- which(!RELATION_SCHEDULED)
  run
}

refresh <- function(run, t) {
  if (length(RELATION_OP) == 0) return(invisible(NULL))
  g <- relations(t, run$y, run$p, run$u)
  crossing <- numeric(length(RELATION_OP))
  zero <- which(!RELATION_SCHEDULED & g == 0)
  if (any(vapply(zero, function(k) !at_crossing(run$relations, k, 0), logical(1)))) {
    # A relation exactly at 0 takes the value it has just after t.
    ahead <- relations(t + run$probe_step, run$y + run$probe_step * rhs(t, run$y, run$p, run$u), run$p, run$u)
    direction <- sign(ahead[zero])
    crossing[zero] <- ifelse(is.na(direction), 0, direction)
  }
  update_relations(run$relations, g, crossing)
}

evaluate_triggers <- function(run, t, relation_values) {
  for (e in seq_along(EVENTS)) {
    now <- trigger_value(relation_values, EVENTS[[e]])
    before <- run$trigger[e]
    run$trigger[e] <- now
    if (now && !before) {
      fire(run, e, t)
    } else if (before && !now && !EVENTS[[e]]$persistent) {
      run$pending <- Filter(function(x) x$event != e, run$pending)  # not persistent: cancelled
    }
  }
}

fire <- function(run, e, t) {
  event <- EVENTS[[e]]
  when <- t
  values <- NULL
  if (event$has_delay || event$values_at_trigger) {
    out <- event$kernel(t, run$y, run$p, run$u)
    if (event$has_delay) {
      if (!(is.finite(out[1]) && out[1] >= 0))
        stop(sprintf("event '%s' triggered at t = %.17g with delay %.17g: a delay must be finite and >= 0",
                     event$name, t, out[1]))
      when <- t + out[1]
    }
    if (event$values_at_trigger) values <- out[-(1:2)]
  }
  run$pending[[length(run$pending) + 1]] <- list(event = e, time = when, values = values, sequence = run$sequence)
  run$sequence <- run$sequence + 1
}

execute_due <- function(run, t) {
  repeat {
    due <- which(vapply(run$pending, function(x) x$time <= t, logical(1)))
    if (length(due) == 0) return(invisible(NULL))
    # The highest priority (evaluated now, after the previous execution) first; then the event defined first; then
    # the execution fired first. An event without priority ranks as priority 0.
    best <- NA
    for (i in due) {
      x <- run$pending[[i]]
      priority <- 0
      if (EVENTS[[x$event]]$has_priority) {
        priority <- EVENTS[[x$event]]$kernel(t, run$y, run$p, run$u)[2]
        if (!is.finite(priority))
          stop(sprintf("event '%s' has priority %.17g at t = %.17g", EVENTS[[x$event]]$name, priority, t))
      }
      if (is.na(best) || priority > best_priority ||
          (priority == best_priority && (x$event < best_event ||
                                         (x$event == best_event && x$sequence < best_sequence)))) {
        best <- i; best_priority <- priority; best_event <- x$event; best_sequence <- x$sequence
      }
    }
    if (run$executions >= MAX_EVENTS_PER_TIME)
      stop(sprintf("more than %d event executions at t = %.17g (next: '%s'): events keep triggering each other",
                   MAX_EVENTS_PER_TIME, t, EVENTS[[best_event]]$name))
    run$executions <- run$executions + 1
    execution <- run$pending[[best]]
    run$pending[[best]] <- NULL
    execute(run, execution, t)
    refresh(run, t)
    evaluate_triggers(run, t, run$relations)
  }
}

execute <- function(run, execution, t) {
  event <- EVENTS[[execution$event]]
  values <- execution$values
  if (is.null(values)) values <- event$kernel(t, run$y, run$p, run$u)[-(1:2)]
  # An assigned concentration is an amount in the compartment as it was before the event, and a compartment that the
  # event resizes keeps the amounts in it.
  sizes <- NULL
  if (length(CONCENTRATION_STATE) > 0 || any(!is.na(event$assign_size))) sizes <- outputs(t, run$y, run$p, run$u)
  for (i in seq_along(event$assign_state)) {
    size <- event$assign_size[i]
    run$y[event$assign_state[i]] <- if (is.na(size)) values[i] else values[i] * sizes[size]
  }
  if (length(CONCENTRATION_STATE) > 0) {
    after <- outputs(t, run$y, run$p, run$u)
    for (j in seq_along(CONCENTRATION_STATE)) {
      c <- CONCENTRATION_OUTPUT[j]
      if (!isTRUE(sizes[c] == after[c]) && !isTRUE(after[c] == 0))
        run$y[CONCENTRATION_STATE[j]] <- run$y[CONCENTRATION_STATE[j]] * sizes[c] / after[c]
    }
  }
}

process_stop <- function(run, t, found, start = FALSE) {
  # Executions at times closer than the solver can tell apart count as one instant.
  if (is.nan(run$cascade_time) || abs(t - run$cascade_time) > 1e-12 * max(abs(t), abs(T_END - T_START), 1))
    run$executions <- 0
  run$cascade_time <- t
  if (length(RELATION_OP) > 0) {
    g <- relations(t, run$y, run$p, run$u)
    crossing <- found
    now <- which(RELATION_SCHEDULED & run$crossing_time == t)
    crossing[now] <- ifelse(RELATION_SIGN[now] > 0, 1, -1)
    run$relations$direction[] <- 0
    update_relations(run$relations, g, crossing)
  }
  dosed <- apply_doses(t, run$y, run$p, run$u, run$active)
  run$y <- dosed$y; run$u <- dosed$u; run$active <- dosed$active
  if (start) {
    # At the start every trigger is compared with its initial value, and a relation has the value of its own
    # formula (p >= 1 with p = 1 is true even if p is falling).
    exact <- new_relations()
    if (length(RELATION_OP) > 0)
      update_relations(exact, relations(t, run$y, run$p, run$u), numeric(length(RELATION_OP)))
    evaluate_triggers(run, t, exact)
    execute_due(run, t)
  }
  refresh(run, t)
  evaluate_triggers(run, t, run$relations)
  execute_due(run, t)
  # Doses and events move the state off a fast reaction's equilibrium; it is back there at the same instant. Where
  # its rate has just switched branch, its comparison sits on its boundary, where the rate may be 0 whatever the
  # state, so the equilibrium is the one the branch after gives, a probe step later in time (as in the Python
  # script; tolsim also moves the state along its derivative, which can be unbounded just past the switch).
  if (!is.null(FAST_REACTION)) {
    switched <- any(found[FAST_RELATIONS] != 0)
    run$y <- equilibrate(if (switched) t + run$probe_step else t, run$y, run$p, run$u)
  }
}

next_stop_after <- function(run, t) {
  later <- c(T_END, run$fixed_stops[run$fixed_stops > t])
  for (x in run$pending) if (x$time > t) later <- c(later, x$time)
  min(later)
}

# A matrix of rows (time, column values...) at TIMES. Integrates stretch by stretch between doses, scheduled times
# and event triggers, so that each is a discontinuity the solver starts afresh from. Stops with an error if the
# solver fails.
simulate <- function(p = P0, method = "lsoda", use_jacobian = TRUE) {
  run <- new_run(p)
  rows <- matrix(NA_real_, nrow = length(TIMES), ncol = 1 + length(COLUMNS))
  k <- 1
  record_through <- function(t, y) {
    while (k <= length(TIMES) && TIMES[k] <= t) {
      rows[k, ] <<- c(TIMES[k], outputs(TIMES[k], y, run$p, run$u)[COLUMNS])
      k <<- k + 1
    }
  }
  t <- T_START
  process_stop(run, t, numeric(length(RELATION_OP)), start = TRUE)
  record_through(t, run$y)
  max_step <- if (MAX_STEP > 0) MAX_STEP else Inf
  if (length(DELAYS) > 0) {
    steps <- delay_steps(run$p, run$y)
    max_step <- min(max_step, steps$max_step)
  }
  while (t < T_END) {
    stop_at <- next_stop_after(run, t)
    if (same_instant(t, stop_at)) {
      t <- stop_at  # too close to integrate: the stop happens now
      process_stop(run, t, numeric(length(RELATION_OP)))
      record_through(t, run$y)
      next
    }
    p <- run$p
    u <- run$u
    # The direction of each watched relation's next crossing: away from the side it is on, or back across the
    # crossing it is at. A relation exactly at 0 that does not move is not watched until the next stop (CVODES would
    # watch it again once it has moved away from 0).
    g <- relations(t, run$y, p, u)
    direction <- vapply(run$watched, function(k) {
      if (at_crossing(run$relations, k, g[k])) -run$relations$direction[k] else -sign(g[k])
    }, numeric(1))
    direction[is.na(direction)] <- 1  # not a number: watched, so that the root function stops the run
    watched <- run$watched[direction != 0]
    direction <- direction[direction != 0]
    # lsoda stops with "root too near to the initial point" when a root function starts at 0 and stays there a
    # moment, so an exact 0 counts as the side the relation is on until it has crossed.
    root_function <- if (length(watched) > 0) function(s, x, parms) {
      values <- relations(s, x, p, u)[watched]
      if (any(!is.finite(values))) {
        i <- which(!is.finite(values))[1]
        stop(sprintf("event trigger relation %d is %s at t = %.17g", watched[i] - 1, format(values[i]), s))
      }
      ifelse(values == 0, -direction * .Machine$double.xmin, values)
    }
    wanted <- TIMES[k <= seq_along(TIMES) & TIMES < stop_at]
    times <- c(t, wanted, stop_at)
    if (length(DELAYS) > 0) {
      # The stretch's states on a fine grid become its history; deSolve keeps its own while it integrates.
      times <- sort(unique(c(times, seq(t, stop_at, by = steps$spacing))))
      HISTORY$inside_from <- t
    }
    # deSolve needs at least one state: a model without any integrates a constant 0 in its place.
    state <- if (N_STATES > 0) function(x) x else function(x) numeric(0)
    jacobian_function <- if (use_jacobian) function(s, x, parms) {
      matrix(if (N_STATES > 0) jacobian(s, x, p, u) else 0, max(N_STATES, 1), max(N_STATES, 1))
    }
    if (!is.null(root_function)) {
      watched_values <- root_function
      root_function <- function(s, x, parms) watched_values(s, state(x), parms)
    }
    out <- ode(y = if (N_STATES > 0) run$y else 0, times = times,
               func = function(s, x, parms) list(if (N_STATES > 0) rhs(s, x, p, u) else 0), parms = NULL,
               method = method, rtol = RTOL, atol = if (N_STATES > 0) ATOL else 1, jacfunc = jacobian_function,
               jactype = if (use_jacobian) "fullusr" else "fullint", maxsteps = MAX_STEPS,
               hmax = if (is.finite(max_step)) max_step else NULL, hini = FIRST_STEP, rootfunc = root_function,
               lags = if (length(DELAYS) > 0) list(mxhist = 100000))
    istate <- attr(out, "istate")
    root_time <- attr(out, "troot")
    rooted <- !is.null(root_time) && length(root_time) > 0
    if (is.null(istate) || istate[1] < 0 || (!rooted && nrow(out) != length(times)))
      stop(sprintf("%s failed between t = %.17g and %.17g", method, t, stop_at))
    last <- nrow(out)
    limit <- if (rooted) root_time[1] else stop_at
    if (length(DELAYS) > 0) {
      HISTORY$inside_from <- NA
      history_add(out[, 1], out[, -1, drop = FALSE][, seq_len(N_STATES), drop = FALSE], steps$spacing)
    }
    for (j in seq_len(last)[-c(1, last)])
      if (out[j, 1] < limit) record_through(out[j, 1], state(unname(out[j, -1])))
    run$y <- state(unname(out[last, -1]))
    found <- numeric(length(RELATION_OP))
    if (rooted) {
      # lsoda reports the root just past the crossing, with every root function that changed sign there.
      t <- root_time[1]
      g <- relations(t, run$y, p, u)
      hit <- which(attr(out, "iroot") != 0)
      found[watched[hit]] <- ifelse(g[watched[hit]] != 0, sign(g[watched[hit]]), direction[hit])
    } else {
      t <- stop_at
    }
    process_stop(run, t, found)
    record_through(t, run$y)
  }
  rows
}

# One parameter vector per row of a CSV whose header names parameters; the others keep their values.
read_parameters <- function(path) {
  table <- read.csv(path, check.names = FALSE, colClasses = "character", strip.white = TRUE)
  for (name in names(table)) {
    slot <- match(name, names(PARAMETERS))
    if (is.na(slot)) stop(sprintf("%s:1: error: '%s' is not a parameter of %s", path, name, MODEL))
    if (slot %in% DERIVED) stop(sprintf("%s:1: error: '%s' is computed from other values and cannot be set", path, name))
  }
  lapply(seq_len(nrow(table)), function(r) {
    p <- P0
    for (name in names(table)) {
      value <- suppressWarnings(as.numeric(table[r, name]))
      if (is.na(value) && table[r, name] != "NaN")
        stop(sprintf("%s:%d: error: '%s' for %s is not a number", path, r + 1, table[r, name], name))
      p[match(name, names(PARAMETERS))] <- value
    }
    p
  })
}

# The CSV of `tolsim simulate` (with a first column `patient` for a population), written whole or not at all.
write_csv <- function(path, results, population) {
  header <- paste(c(if (population) "patient", "time", OUTPUTS[COLUMNS]), collapse = ",")
  body <- unlist(lapply(seq_along(results), function(i) {
    rows <- results[[i]]
    apply(rows, 1, function(row) paste(c(if (population) as.character(i), sprintf("%.17g", row)), collapse = ","))
  }))
  lines <- c(header, body)
  if (is.null(path)) {
    writeLines(lines)
    return(invisible(NULL))
  }
  temporary <- paste0(path, ".tmp")
  writeLines(lines, temporary)
  file.rename(temporary, path)
  invisible(NULL)
}

usage <- "usage: Rscript SCRIPT [--method lsoda|bdf] [--no-jacobian] [--out FILE.csv] [--parameters FILE.csv] [--timing]"

main <- function(args) {
  method <- "lsoda"; out_path <- NULL; parameters_path <- NULL; timing <- FALSE; use_jacobian <- TRUE
  i <- 1
  while (i <= length(args)) {
    a <- args[i]
    takes_value <- a %in% c("--method", "--out", "--parameters")
    if (takes_value && i == length(args)) {
      message(sprintf("error: %s needs a value\n%s", a, usage))
      quit(status = 2)
    }
    if (a == "--method") method <- args[i + 1]
    else if (a == "--out") out_path <- args[i + 1]
    else if (a == "--parameters") parameters_path <- args[i + 1]
    else if (a == "--timing") timing <- TRUE
    else if (a == "--no-jacobian") use_jacobian <- FALSE
    else if (a == "--help" || a == "-h") {
      cat(usage, "\n")
      quit(status = 0)
    } else {
      message(sprintf("error: unknown argument '%s'\n%s", a, usage))
      quit(status = 2)
    }
    i <- i + if (takes_value) 2 else 1
  }
  if (!(method %in% c("lsoda", "bdf"))) {
    message(sprintf("error: --method %s: expected lsoda or bdf", method))
    quit(status = 2)
  }
  patients <- tryCatch(if (is.null(parameters_path)) list(P0) else read_parameters(parameters_path),
                       error = function(e) {
                         message(conditionMessage(e))
                         quit(status = 2)
                       })
  started <- proc.time()[["elapsed"]]
  results <- tryCatch(lapply(patients, function(p) simulate(p, method, use_jacobian)),
                      error = function(e) {
                        message(sprintf("error: %s", conditionMessage(e)))
                        quit(status = 3)
                      })
  elapsed <- proc.time()[["elapsed"]] - started
  if (timing) message(sprintf("simulate_seconds=%.6f runs=%d", elapsed, length(results)))
  write_csv(out_path, results, !is.null(parameters_path))
}

if (sys.nframe() == 0L) main(commandArgs(trailingOnly = TRUE))
)r";

// The history of past states for delay(). Inside a stretch of integration, deSolve keeps it (the `lags` of dede,
// read with lagvalue); before the stretch began, the script keeps each stretch as its states on a fine grid of
// times, interpolated by the cubic through the four nearest, and the initial state as a point.
constexpr const char* kDelayDriver = R"r(
HISTORY <- new.env()

# The past starts as the initial state, before anything happens at the start. Each record covers the times after the
# previous record's end up to its own end; at a discontinuity the record before the jump holds its time.
history_reset <- function(y) {
  HISTORY$ends <- T_START
  HISTORY$times <- list(T_START)
  HISTORY$states <- list(matrix(y, nrow = 1))
  HISTORY$inside_from <- NA  # while deSolve integrates a stretch: where it began
}

# A stretch integrated: its states (rows) at ascending times. Rows closer together than a thousandth of the grid
# are dropped (a root found just past an output time), so that the interpolation stays well conditioned.
history_add <- function(times, states, spacing) {
  keep <- rep(FALSE, length(times))
  last <- Inf
  for (i in rev(seq_along(times))) {
    if (last - times[i] >= spacing / 1000) {
      keep[i] <- TRUE
      last <- times[i]
    }
  }
  n <- length(HISTORY$ends) + 1
  HISTORY$ends[n] <- times[length(times)]
  HISTORY$times[[n]] <- times[keep]
  HISTORY$states[[n]] <- states[keep, , drop = FALSE]
}

# The state at time t.
history_state <- function(t) {
  if (N_STATES == 0) return(numeric(0))
  if (!is.na(HISTORY$inside_from) && t > HISTORY$inside_from) return(unname(lagvalue(t)))
  i <- which(HISTORY$ends >= t)[1]
  if (is.na(i)) i <- length(HISTORY$ends)  # after the last record: its interpolant extended
  times <- HISTORY$times[[i]]
  states <- HISTORY$states[[i]]
  m <- length(times)
  if (m == 1) return(states[1, ])
  j <- findInterval(t, times, all.inside = TRUE)
  near <- max(1, min(j - 1, m - 3)):min(m, max(1, min(j - 1, m - 3)) + 3)
  weights <- vapply(near, function(a) {
    others <- near[near != a]
    prod((t - times[others]) / (times[a] - times[others]))
  }, numeric(1))
  colSums(states[near, , drop = FALSE] * weights)
}

# Sets u[N_STATES + k] for the first `count` delays at time t: x at t - tau on the state from the history.
fill_delays <- function(t, y, p, u, count) {
  for (k in seq_len(count)) {
    delay <- DELAYS[[k]]
    tau <- delay$time(t, y, p, u)[1]
    if (!(is.finite(tau) && tau >= 0))
      stop(sprintf("%s has delay time %.17g at t = %.17g: a delay must be finite and >= 0", delay$text, tau, t))
    if (tau == 0) {
      u[N_STATES + k] <- delay$value(t, y, p, u)[1]
      next
    }
    at <- t - tau
    past <- history_state(at)
    if (at < T_START) {
      u[N_STATES + k] <- delay$initial(at, past, p, u)[1]
      next
    }
    inputs <- if (delay$nested) fill_delays(at, past, p, u, k - 1) else u
    u[N_STATES + k] <- delay$value(at, past, p, inputs)[1]
  }
  u
}

# The input u (infusion rates) followed by the value of every delay() at t.
with_delays <- function(t, y, p, u) {
  fill_delays(t, y, p, c(u[seq_len(N_STATES)], numeric(length(DELAYS))), length(DELAYS))
}

# The shortest constant delay at the start (steps no longer than it keep every delayed time in deSolve's history)
# and the spacing of the grid kept for each stretch.
delay_steps <- function(p, y) {
  u <- with_delays(T_START, y, p, numeric(N_STATES))
  times <- vapply(Filter(function(d) d$constant_time, DELAYS), function(d) d$time(T_START, y, p, u)[1], numeric(1))
  times <- times[times > 0]
  shortest <- if (length(times) > 0) min(times) else Inf
  list(max_step = shortest, spacing = min(shortest / 64, (T_END - T_START) / 2000))
}
)r";

// The equilibrium of a fast reaction, as tolsim finds it (src/solve/fast_reaction.cpp).
constexpr const char* kFastDriver = R"r(
# y moved along the fast reaction's column d to the equilibrium the reaction itself runs to: a move of extent x
# changes y by d x, and the extent runs as dx/dt = g(x), so from g(0) > 0 forward to the first x > 0 where g is 0
# (backward for g(0) < 0). The root is bracketed by steps in that direction, then found by Newton's method kept inside
# the bracket. Stops with an error if there is none.
equilibrate <- function(t, y, p, u) {
  out <- fast_kernel(t, y, p, u)
  g0 <- out[1]
  column <- out[2 + seq_len(N_STATES)]
  if (isTRUE(g0 == 0)) return(y)
  where <- sprintf("fast reaction '%s' cannot reach equilibrium at t = %.17g", FAST_REACTION, t)
  if (!is.finite(g0)) stop(sprintf("%s: its rate is %.17g", where, g0))
  moving <- column != 0
  if (!any(moving)) stop(sprintf("%s: its rate is %.17g and it changes no species", where, g0))
  reach <- max(abs(column[moving]))
  direction <- if (g0 > 0) 1 else -1
  here <- y
  g <- g0
  slope <- out[2]
  go <- function(x) {
    here <<- y + column * x
    values <- fast_kernel(t, here, p, u)
    g <<- values[1]
    slope <<- values[2]
  }
  newton <- function() {
    step <- -g / slope
    if (is.finite(step) && step * direction > 0) step else 0
  }
  converged <- function(width) width * reach <= 1e-14 * max(abs(here[moving]))
  lo <- 0
  x <- 0
  step <- newton()
  if (step == 0) step <- direction * max(max(abs(y[moving])), 1) / reach
  evaluations <- 0
  bracketed <- FALSE
  while (evaluations < 200) {  # 1. bracket: lo on the start side of the root, x past it
    evaluations <- evaluations + 1
    go(lo + step)
    x <- lo + step
    if (isTRUE(g == 0)) return(here)
    if (!is.finite(g)) {  # beyond where the rate is defined: a shorter step
      step <- step / 2
      next
    }
    if (g * direction < 0) {
      bracketed <- TRUE
      break
    }
    lo <- x
    if (converged(abs(step))) return(here)  # Newton from one side
    following <- newton()
    step <- if (following != 0) following else 2 * step
  }
  if (!bracketed) stop(sprintf("%s: its rate keeps the sign of %.17g along the reaction", where, g0))
  hi <- x
  while (evaluations < 200) {  # 2. Newton's method inside [lo, hi], bisecting when a step would leave it
    evaluations <- evaluations + 1
    following <- x - g / slope
    if (!is.finite(following) || (following - lo) * (following - hi) >= 0) following <- 0.5 * (lo + hi)
    if (following == lo || following == hi) return(here)  # the bracket is as narrow as doubles allow
    moved <- abs(following - x)
    go(following)
    x <- following
    if (isTRUE(g == 0)) return(here)
    if (!is.finite(g)) stop(sprintf("%s: its rate is %.17g between two states where it is finite", where, g))
    if (g * direction > 0) lo <- x else hi <- x
    if (converged(min(moved, abs(hi - lo)))) return(here)
  }
  stop(sprintf("fast reaction '%s' did not reach equilibrium at t = %.17g in 200 evaluations", FAST_REACTION, t))
}
)r";

std::string kernel_function(const std::string& name, const KernelText& k, int size, const std::string& result,
                            bool fills_delays = false) {
  std::string out = fmt::format("\n{} <- function(t, y, p, u) {{\n", name);
  if (fills_delays) out += "  u <- with_delays(t, y, p, u)\n";
  if (k.temporaries > 0) out += fmt::format("  v <- numeric({})\n", k.temporaries);
  for (const auto& line : k.assignments) out += fmt::format("  {}\n", line);
  bool in_order = static_cast<int>(k.outputs.size()) == size && size > 0;
  for (std::size_t i = 0; in_order && i < k.outputs.size(); ++i)
    in_order = k.outputs[i].first == static_cast<std::int32_t>(i);
  if (in_order) {
    std::vector<std::string> values;
    for (const auto& [position, value] : k.outputs) values.push_back(value);
    out += "  out <- c(\n" + wrapped(values, "    ") + "  )\n";
  } else {
    out += fmt::format("  out <- numeric({})\n", size);
    for (const auto& [position, value] : k.outputs)
      out += fmt::format("  out[{}] <- {}\n", position + 1, value);
  }
  return out + fmt::format("  {}\n}}\n", result);
}

std::string vector_of(const std::vector<std::string>& items) {
  return items.empty() ? "numeric(0)" : "c(\n" + wrapped(items, "  ") + ")";
}

template <typename T, typename F>
std::string column(const std::vector<T>& rows, F field) {
  std::vector<std::string> items;
  for (const auto& row : rows) items.push_back(field(row));
  return vector_of(items);
}

std::string num(double x) {
  return number(Language::kR, x);
}

// The relations of the triggers, their root functions, and the events with their kernels.
std::string events_r(const ScriptData& d) {
  std::string s = R"r(
# Event triggers are formulas over relations, whose root functions g = lhs - rhs relations() computes. A scheduled
# relation compares time with a constant: g = RELATION_SIGN * (t - crossing), and the run stops at its crossing
# instead of searching for a root.
)r";
  std::vector<std::string> ops, scheduled, signs;
  for (const Relation& r : d.relations) {
    ops.push_back(fmt::format("\"{}\"", relation_operator(r.op)));
    scheduled.push_back(bool_literal(Language::kR, r.scheduled));
    signs.push_back(num(r.time_sign));
  }
  s += "RELATION_OP <- " + (ops.empty() ? std::string("character(0)") : vector_of(ops)) + "\n";
  s += "RELATION_SCHEDULED <- " + (scheduled.empty() ? std::string("logical(0)") : vector_of(scheduled)) +
       "\n";
  s += "RELATION_SIGN <- " + vector_of(signs) + "\n";
  s += fmt::format("MAX_EVENTS_PER_TIME <- {}\n", d.max_events_per_time);
  const bool delays = !d.delays.empty();
  s += kernel_function("relations", d.relations_kernel, static_cast<int>(d.relations.size()), "out", delays);
  for (std::size_t e = 0; e < d.events.size(); ++e)
    s += kernel_function(fmt::format("event_kernel_{}", e + 1), d.event_kernels[e],
                         2 + static_cast<int>(d.events[e].assignments.size()), "out", delays);
  s += R"r(
# An event: its trigger formula (terms[[root]]; each term is list(kind, relation index, constant or child terms)),
# its attributes, its kernel (returning c(delay, priority, value of each assignment)) and its assignments (the states,
# and for a concentration the output holding its compartment's size, else NA).
EVENTS <- list(
)r";
  for (std::size_t e = 0; e < d.events.size(); ++e) {
    const CompiledEvent& ev = d.events[e];
    const std::vector<std::string> terms = trigger_term_literals(Language::kR, ev);
    std::vector<std::string> states, sizes;
    for (const EventAssignment& a : ev.assignments) {
      states.push_back(std::to_string(a.state));
      sizes.push_back(
          a.mode == EventAssignment::Mode::kSetConcentration ? std::to_string(a.compartment_output) : "NA");
    }
    s += fmt::format(
        "  list(name = {}, terms = list({}), root = {}, initial_value = {}, persistent = {},\n"
        "       values_at_trigger = {}, has_delay = {}, has_priority = {}, kernel = event_kernel_{},\n"
        "       assign_state = c({}), assign_size = c({})){}\n",
        quoted(ev.name), fmt::join(terms, ", "), ev.root, bool_literal(Language::kR, ev.initial_value),
        bool_literal(Language::kR, ev.persistent),
        bool_literal(Language::kR, ev.use_values_from_trigger_time), bool_literal(Language::kR, ev.has_delay),
        bool_literal(Language::kR, ev.has_priority), e + 1, fmt::join(states, ", "), fmt::join(sizes, ", "),
        e + 1 < d.events.size() ? "," : "");
  }
  return s + ")\n";
}

// The delay() calls: a table of their kernels, and the history they read (kDelayDriver). Empty without delays.
std::string delays_r(const ScriptData& d) {
  if (d.delays.empty()) return "\nDELAYS <- list()\n";
  std::string s;
  for (std::size_t k = 0; k < d.delays.size(); ++k) {
    s += kernel_function(fmt::format("delay_time_{}", k + 1), d.delays[k].time, 1, "out");
    s += kernel_function(fmt::format("delay_value_{}", k + 1), d.delays[k].value, 1, "out");
    s += kernel_function(fmt::format("delay_initial_{}", k + 1), d.delays[k].initial, 1, "out");
  }
  s += R"r(
# Each delay(x, tau): the call, its kernels (c(tau) now; c(x) at the delayed time and state; c(x) from the initial
# values, for delayed times before the start), whether x uses earlier delays (then taken at t - tau too), and whether
# tau is constant during a run. delay k's value is u[N_STATES + k].
DELAYS <- list(
)r";
  for (std::size_t k = 0; k < d.delays.size(); ++k)
    s += fmt::format(
        "  list(text = {}, time = delay_time_{}, value = delay_value_{}, initial = delay_initial_{}, nested "
        "= {},\n"
        "       constant_time = {}){}\n",
        d.delays[k].text, k + 1, k + 1, k + 1, bool_literal(Language::kR, d.delays[k].nested),
        bool_literal(Language::kR, d.delays[k].constant_time), k + 1 < d.delays.size() ? "," : "");
  return s + ")\n" + kDelayDriver;
}

// The fast reaction: its kernel and the search for its equilibrium (kFastDriver). FAST_REACTION is NULL without one.
std::string fast_r(const ScriptData& d) {
  if (!d.fast) return "\nFAST_REACTION <- NULL\nFAST_RELATIONS <- integer(0)\n";
  std::string s = kernel_function("fast_kernel", d.fast->kernel, 2 + d.n_states, "out", !d.delays.empty());
  s += fmt::format(
      "\n# The fast reaction, held at equilibrium: rhs() moves its species along its column at the rate that "
      "keeps "
      "its rate\n# g at 0; fast_kernel() gives c(g, dg/dx, column). Its rate's comparisons are the relations "
      "FAST_RELATIONS.\nFAST_REACTION <- {}\nFAST_RELATIONS <- c({})\n",
      d.fast->name, fmt::join(d.fast->relations, ", "));
  return s + kFastDriver;
}

}  // namespace

std::string r_script(const ScriptData& d) {
  std::string s =
      "#!/usr/bin/env Rscript\n# Generated by `tolsim export --format r`: a standalone deSolve script.\n";
  for (const auto& line : d.header) s += "# " + line + "\n";
  s += R"r(#
# It integrates the equations that tolsim integrates: the model's compiled right-hand side, its analytic Jacobian,
# its initial values and its outputs, written out below as straight-line code (v[k] are shared subexpressions), with
# the scenario's parameter values, doses, output times and tolerances. It writes the CSV that `tolsim simulate`
# writes for the same model and scenario.
#
#     Rscript SCRIPT [--method lsoda|bdf] [--no-jacobian] [--out FILE.csv] [--parameters FILE.csv] [--timing]
#
# --parameters runs one simulation per row of a CSV whose header names parameters (a virtual population); the
# output then starts with a column `patient` (the row, from 1). source() the script to use its functions without
# running it.
#
# A species that reactions change is stored in y as its amount, whatever unit its equations use; the outputs give
# every species in its declared unit. Unlike tolsim's CVODES run, deSolve's solvers do not keep non-negative species
# from dipping below zero, and each solver controls its error in its own way, so results agree to about the
# tolerances, not to the last digit. Requires deSolve (Debian: r-cran-desolve).
suppressPackageStartupMessages(library(deSolve))

)r";
  s += fmt::format("MODEL <- {}\nTIME_UNIT <- {}\n\n", d.model_name, d.time_unit);
  s += "# The state vector y.\nSTATES <- c(\n";
  for (std::size_t i = 0; i < d.states.size(); ++i)
    s += fmt::format("  {}{}  # y[{}]: {}\n", d.states[i].name, i + 1 < d.states.size() ? "," : "", i + 1,
                     d.states[i].comment);
  s += ")\n# The parameter vector p, with the scenario's values. initial() computes the derived ones.\n";
  s += "PARAMETERS <- c(\n";
  for (std::size_t i = 0; i < d.parameters.size(); ++i)
    s += fmt::format("  {} = {}{}  # p[{}]: {}\n", d.parameters[i].name, num(d.parameters[i].value),
                     i + 1 < d.parameters.size() ? "," : "", i + 1, d.parameters[i].comment);
  s += ")\n# The slots of p that initial() writes, in order.\n";
  s += fmt::format("DERIVED <- c({})\n", fmt::join(d.derived, ", "));
  s += "# Every output of the model; the CSV has the COLUMNS.\nOUTPUTS <- " + vector_of(d.outputs) + "\n";
  s += fmt::format("COLUMNS <- c({})\n", fmt::join(d.columns, ", "));
  s += "# Doses, in the model's time unit and in each state's amount unit.\n";
  s += "BOLUS_TIME <- " + column(d.boluses, [](const Bolus& b) { return num(b.time); }) + "\n";
  s += "BOLUS_STATE <- " + column(d.boluses, [](const Bolus& b) { return std::to_string(b.state); }) + "\n";
  s += "BOLUS_AMOUNT <- " + column(d.boluses, [](const Bolus& b) { return num(b.amount); }) + "\n";
  s += "# Infusions: amount per time unit from start to end.\n";
  s += "INFUSION_START <- " + column(d.infusions, [](const Infusion& f) { return num(f.start); }) + "\n";
  s += "INFUSION_END <- " + column(d.infusions, [](const Infusion& f) { return num(f.end); }) + "\n";
  s += "INFUSION_STATE <- " + column(d.infusions, [](const Infusion& f) { return std::to_string(f.state); }) +
       "\n";
  s += "INFUSION_RATE <- " + column(d.infusions, [](const Infusion& f) { return num(f.rate); }) + "\n";
  s += "# States stored as a concentration, and the output that holds their compartment's size.\n";
  s += "CONCENTRATION_STATE <- " +
       column(d.concentration_states, [](const auto& c) { return std::to_string(c.first); }) + "\n";
  s += "CONCENTRATION_OUTPUT <- " +
       column(d.concentration_states, [](const auto& c) { return std::to_string(c.second); }) + "\n";
  s += fmt::format("T_START <- {}\nT_END <- {}\n", num(d.t_start), num(d.t_end));
  s += "TIMES <- " + column(d.times, [](double x) { return num(x); }) + "\n";
  s += fmt::format("RTOL <- {}\n", num(d.rtol));
  s += "# Absolute tolerance of each state, in its unit.\nATOL <- " +
       column(d.atol, [](double x) { return num(x); }) + "\n";
  s += fmt::format(
      "MAX_STEP <- {}  # 0: unlimited\nFIRST_STEP <- {}  # 0: the solver chooses\nMAX_STEPS <- {}\n",
      num(d.max_step), num(d.first_step), d.max_steps);
  s += kHelpers;
  s += kernel_function("init_kernel", d.init, d.n_init_outputs, "out");
  const bool delays = !d.delays.empty();
  s += kernel_function("rhs", d.rhs, d.n_states, "out", delays);
  s += kernel_function("jacobian", d.jacobian, d.n_states * d.n_states, "out");
  s += kernel_function("outputs", d.outputs_kernel, d.n_outputs, "out", delays);
  s += events_r(d);
  s += delays_r(d);
  s += fast_r(d);
  s += kDriver;
  return s;
}

}  // namespace tolsim::script::detail
