// The fixed text of the R script (src/script/r.cpp lays out the model's part around it): helpers that compute what
// C computes, the driver that runs a simulation stop by stop, the history that delay() reads and the search for a
// fast reaction's equilibrium.
#include "drivers.hpp"

namespace tolsim::script::detail {

const char* const kRHelpers = R"r(
# min and max as tolsim computes them (NaN propagates); gamma as C's tgamma at zero (an infinity, not NaN).
.tolsim_min <- function(a, b) if (is.nan(a) || is.nan(b)) NaN else min(a, b)
.tolsim_max <- function(a, b) if (is.nan(a) || is.nan(b)) NaN else max(a, b)
.tolsim_gamma <- function(x) {
  if (isTRUE(x == 0)) return(if (1 / x > 0) Inf else -Inf)
  suppressWarnings(gamma(x))
}
)r";

const char* const kRDriver = R"r(

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
const char* const kRDelayDriver = R"r(
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
const char* const kRFastDriver = R"r(
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

}  // namespace tolsim::script::detail
