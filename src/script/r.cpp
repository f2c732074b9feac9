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

# A matrix of rows (time, column values...) at TIMES. Integrates stretch by stretch between dose times, so that each
# dose is a discontinuity the solver starts afresh from. Stops with an error if the solver fails.
simulate <- function(p = P0, method = "lsoda", use_jacobian = TRUE) {
  start <- initial(T_START, p)
  p <- start$p
  y <- start$y
  u <- numeric(N_STATES)
  active <- list()
  rows <- matrix(NA_real_, nrow = length(TIMES), ncol = 1 + length(COLUMNS))
  k <- 1
  record <- function(t, y) {
    rows[k, ] <<- c(t, outputs(t, y, p, u)[COLUMNS])
    k <<- k + 1
  }
  edges <- unique(sort(c(T_END, BOLUS_TIME, INFUSION_START, INFUSION_END)))
  stops <- edges[edges > T_START & edges <= T_END]
  t <- T_START
  dosed <- apply_doses(t, y, p, u, active)
  y <- dosed$y; u <- dosed$u; active <- dosed$active
  while (k <= length(TIMES) && TIMES[k] <= t) record(TIMES[k], y)
  for (stop_at in stops) {
    wanted <- TIMES[k <= seq_along(TIMES) & TIMES < stop_at]
    times <- c(t, wanted, stop_at)
    jacobian_function <- if (use_jacobian) function(s, x, parms) matrix(jacobian(s, x, p, u), N_STATES, N_STATES)
    out <- ode(y = y, times = times, func = function(s, x, parms) list(rhs(s, x, p, u)), parms = NULL,
               method = method, rtol = RTOL, atol = ATOL, jacfunc = jacobian_function,
               jactype = if (use_jacobian) "fullusr" else "fullint", maxsteps = MAX_STEPS,
               hmax = if (MAX_STEP > 0) MAX_STEP else NULL, hini = FIRST_STEP)
    istate <- attr(out, "istate")
    if (nrow(out) != length(times) || is.null(istate) || istate[1] < 0)
      stop(sprintf("%s failed between t = %.17g and %.17g", method, t, stop_at))
    for (j in seq_along(wanted)) record(wanted[j], unname(out[j + 1, -1]))
    y <- unname(out[nrow(out), -1])
    t <- stop_at
    dosed <- apply_doses(t, y, p, u, active)
    y <- dosed$y; u <- dosed$u; active <- dosed$active
    while (k <= length(TIMES) && TIMES[k] <= t) record(TIMES[k], y)
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

std::string kernel_function(const std::string& name, const KernelText& k, int size,
                            const std::string& result) {
  std::string out = fmt::format("\n{} <- function(t, y, p, u) {{\n", name);
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
  s += kernel_function("rhs", d.rhs, d.n_states, "out");
  s += kernel_function("jacobian", d.jacobian, d.n_states * d.n_states, "out");
  s += kernel_function("outputs", d.outputs_kernel, d.n_outputs, "out");
  s += kDriver;
  return s;
}

}  // namespace tolsim::script::detail
