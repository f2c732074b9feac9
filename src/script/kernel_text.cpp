#include "script_data.hpp"

#include <fmt/format.h>

#include <cmath>
#include <unordered_map>

#include "tolsim/common/error.hpp"

namespace tolsim::script::detail {

namespace {

using expr::Node;
using expr::NodeId;
using expr::Op;

bool is_leaf(Op op) {
  return op == Op::kConst || op == Op::kTime || op == Op::kState || op == Op::kParam || op == Op::kInput;
}

// Each function's name in the two languages. Python's math module raises where C returns an infinity or NaN; the
// script's helpers (_exp, _log, ...) catch that and take numpy's IEEE result instead. R's functions already follow
// IEEE; its min and max helpers only make NaN win, as it does in C. (pow is an operator in R.)
struct FunctionNames {
  Op op;
  const char* python;
  const char* r;
};
constexpr FunctionNames kFunctions[] = {
    {Op::kExp, "_exp", "exp"},         {Op::kLog, "_log", "log"},    {Op::kLog10, "_log10", "log10"},
    {Op::kSqrt, "_sqrt", "sqrt"},      {Op::kAbs, "abs", "abs"},     {Op::kFloor, "_floor", "floor"},
    {Op::kCeil, "_ceil", "ceiling"},   {Op::kSin, "_sin", "sin"},    {Op::kCos, "_cos", "cos"},
    {Op::kTan, "_tan", "tan"},         {Op::kAsin, "_asin", "asin"}, {Op::kAcos, "_acos", "acos"},
    {Op::kAtan, "math.atan", "atan"},  {Op::kSinh, "_sinh", "sinh"}, {Op::kCosh, "_cosh", "cosh"},
    {Op::kTanh, "math.tanh", "tanh"},  {Op::kPow, "_pow", nullptr},  {Op::kMin, "_min", ".tolsim_min"},
    {Op::kMax, "_max", ".tolsim_max"},
};

const char* function_name(Language language, Op op) {
  for (const auto& f : kFunctions)
    if (f.op == op) return language == Language::kPython ? f.python : f.r;
  return nullptr;
}

class Writer {
 public:
  Writer(Language language, const expr::Graph& graph, const std::unordered_map<NodeId, int>& slots)
      : language_(language), graph_(graph), slots_(slots) {}

  std::string operand(NodeId id) const {
    const Node& n = graph_.node(id);
    const int base = language_ == Language::kR ? 1 : 0;
    switch (n.op) {
      case Op::kConst:
        return number(language_, n.value);
      case Op::kTime:
        return "t";
      case Op::kState:
        return fmt::format("y[{}]", n.index + base);
      case Op::kParam:
        return fmt::format("p[{}]", n.index + base);
      case Op::kInput:
        return fmt::format("u[{}]", n.index + base);
      default:
        // R looks a local variable up by a linear search of the function's frame, which is slow with thousands of
        // temporaries; elements of one vector are found directly.
        return language_ == Language::kR ? fmt::format("v[{}]", slots_.at(id) + 1) : fmt::format("v{}", id);
    }
  }

  std::string expression(const Node& n) const {
    const std::string a = n.a == expr::kNoNode ? "" : operand(n.a);
    const std::string b = n.b == expr::kNoNode ? "" : operand(n.b);
    const std::string c = n.c == expr::kNoNode ? "" : operand(n.c);
    switch (n.op) {  // the same in both languages
      case Op::kNeg:
        return "-" + a;
      case Op::kAdd:
        return fmt::format("{} + {}", a, b);
      case Op::kSub:
        return fmt::format("{} - {}", a, b);
      case Op::kMul:
        return fmt::format("{} * {}", a, b);
      default:
        break;
    }
    std::string text = language_ == Language::kPython ? python(n, a, b, c) : r(n, a, b, c);
    if (!text.empty()) return text;
    const char* function = function_name(language_, n.op);
    if (function == nullptr)
      throw InternalError(fmt::format("script: no {} form for op {}",
                                      language_ == Language::kPython ? "Python" : "R", op_name(n.op)));
    return expr::arity(n.op) == 1 ? fmt::format("{}({})", function, a)
                                  : fmt::format("{}({}, {})", function, a, b);
  }

 private:
  // The operations each language writes its own way; "" for a plain call of a function in kFunctions.
  std::string python(const Node& n, const std::string& a, const std::string& b, const std::string& c) const {
    switch (n.op) {
      case Op::kDiv: {
        double divisor = 0.0;
        if (graph_.is_constant(n.b, &divisor) && divisor != 0.0) return fmt::format("{} / {}", a, b);
        // Python raises ZeroDivisionError; C gives an infinity or NaN.
        return fmt::format("({0} / {1} if {1} else _div({0}, {1}))", a, b);
      }
      case Op::kFactorial:
        return fmt::format("_gamma({} + 1.0)", a);
      case Op::kAnd:
        return fmt::format("(1.0 if {} != 0.0 and {} != 0.0 else 0.0)", a, b);
      case Op::kOr:
        return fmt::format("(1.0 if {} != 0.0 or {} != 0.0 else 0.0)", a, b);
      case Op::kXor:
        return fmt::format("(1.0 if ({} != 0.0) != ({} != 0.0) else 0.0)", a, b);
      case Op::kNot:
        return fmt::format("(1.0 if {} == 0.0 else 0.0)", a);
      case Op::kSelect:
        return fmt::format("({} if {} != 0.0 else {})", b, a, c);
      default:
        break;
    }
    // Python's comparisons are false for NaN, as C's are (and != is true).
    if (expr::is_comparison(n.op))
      return fmt::format("(1.0 if {} {} {} else 0.0)", a, expr::infix_symbol(n.op), b);
    return "";
  }

  // R's comparisons give NA for NaN, and `if (NA)` is an error: isTRUE() reads NA as false, as C reads NaN.
  std::string r(const Node& n, const std::string& a, const std::string& b, const std::string& c) const {
    switch (n.op) {
      case Op::kDiv:
        return fmt::format("{} / {}", a, b);
      case Op::kPow:
        return fmt::format("{}^{}", a, b);
      case Op::kFactorial:
        return fmt::format(".tolsim_gamma({} + 1)", a);
      case Op::kNe:
        return fmt::format("(if (isTRUE({} == {})) 0 else 1)", a, b);
      case Op::kAnd:
        return fmt::format("(if (!isTRUE({} == 0) && !isTRUE({} == 0)) 1 else 0)", a, b);
      case Op::kOr:
        return fmt::format("(if (!isTRUE({} == 0) || !isTRUE({} == 0)) 1 else 0)", a, b);
      case Op::kXor:
        return fmt::format("(if (xor(!isTRUE({} == 0), !isTRUE({} == 0))) 1 else 0)", a, b);
      case Op::kNot:
        return fmt::format("(if (isTRUE({} == 0)) 1 else 0)", a);
      case Op::kSelect:
        return fmt::format("(if (isTRUE({} == 0)) {} else {})", a, c, b);
      default:
        break;
    }
    if (expr::is_comparison(n.op))
      return fmt::format("(if (isTRUE({} {} {})) 1 else 0)", a, expr::infix_symbol(n.op), b);
    return "";
  }

  Language language_;
  const expr::Graph& graph_;
  const std::unordered_map<NodeId, int>& slots_;
};

}  // namespace

KernelText kernel_text(Language language, const expr::Graph& graph, const expr::KernelSpec& spec) {
  const expr::Schedule schedule = expr::Schedule::build(graph, spec);
  std::unordered_map<NodeId, int> slots;
  for (NodeId id : schedule.order)
    if (!is_leaf(graph.node(id).op)) slots.emplace(id, static_cast<int>(slots.size()));
  const Writer writer(language, graph, slots);
  KernelText text;
  text.zero_fill = spec.zero_fill;
  text.temporaries = static_cast<int>(slots.size());
  const char* assign = language == Language::kR ? "<-" : "=";
  for (NodeId id : schedule.order) {
    const Node& n = graph.node(id);
    if (is_leaf(n.op)) continue;
    text.assignments.push_back(fmt::format("{} {} {}", writer.operand(id), assign, writer.expression(n)));
  }
  for (std::size_t i = 0; i < spec.outputs.size(); ++i) {
    const std::int32_t position = spec.positions.empty() ? static_cast<std::int32_t>(i) : spec.positions[i];
    text.outputs.emplace_back(position, writer.operand(spec.outputs[i]));
  }
  return text;
}

std::string number(Language language, double value) {
  const bool python = language == Language::kPython;
  if (std::isnan(value)) return python ? "math.nan" : "NaN";
  if (std::isinf(value))
    return value > 0 ? (python ? "math.inf" : "Inf") : (python ? "(-math.inf)" : "(-Inf)");
  std::string text = fmt::format("{}", value);  // shortest digits that read back to the same double
  if (python && text.find_first_of(".e") == std::string::npos) text += ".0";
  return std::signbit(value) ? fmt::format("({})", text) : text;
}

std::string comment_safe(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    out += (u < 0x20 || u == 0x7f) ? ' ' : ch;
  }
  return out;
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char ch : comment_safe(text)) {
    if (ch == '\\' || ch == '"') out += '\\';
    out += ch;
  }
  return out + "\"";
}

}  // namespace tolsim::script::detail

namespace tolsim::script::detail {

const char* bool_literal(Language language, bool value) {
  if (language == Language::kPython) return value ? "True" : "False";
  return value ? "TRUE" : "FALSE";
}

const char* relation_operator(expr::Op op) {
  switch (op) {
    case expr::Op::kGt:
      return ">";
    case expr::Op::kGe:
      return ">=";
    case expr::Op::kLt:
      return "<";
    case expr::Op::kLe:
      return "<=";
    case expr::Op::kEq:
      return "==";
    case expr::Op::kNe:
      return "!=";
    default:
      break;
  }
  throw InternalError(fmt::format("trigger relation with non-comparison operator {}", static_cast<int>(op)));
}

const char* trigger_term_kind(TriggerTerm::Kind kind) {
  switch (kind) {
    case TriggerTerm::Kind::kRelation:
      return "relation";
    case TriggerTerm::Kind::kConstant:
      return "constant";
    case TriggerTerm::Kind::kAnd:
      return "and";
    case TriggerTerm::Kind::kOr:
      return "or";
    case TriggerTerm::Kind::kXor:
      return "xor";
    case TriggerTerm::Kind::kNot:
      return "not";
  }
  return "";
}

std::vector<std::string> trigger_term_literals(Language language, const CompiledEvent& event) {
  const bool python = language == Language::kPython;
  std::vector<std::string> terms;
  for (const TriggerTerm& t : event.terms) {
    std::string argument;
    if (t.kind == TriggerTerm::Kind::kRelation)
      argument = std::to_string(t.relation);
    else if (t.kind == TriggerTerm::Kind::kConstant)
      argument = bool_literal(language, t.constant);
    else if (python)
      argument = fmt::format("({}{})", fmt::join(t.children, ", "), t.children.size() == 1 ? "," : "");
    else
      argument = fmt::format("c({})", fmt::join(t.children, ", "));
    const char* kind = trigger_term_kind(t.kind);
    terms.push_back(python ? fmt::format("(\"{}\", {})", kind, argument)
                           : fmt::format("list(\"{}\", {})", kind, argument));
  }
  return terms;
}

std::string wrapped(const std::vector<std::string>& items, const std::string& indent, std::size_t width) {
  std::string out;
  std::string line = indent;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string item = items[i] + (i + 1 < items.size() ? "," : "");
    if (line.size() > indent.size() && line.size() + 1 + item.size() > width) {
      out += line + "\n";
      line = indent;
    }
    if (line.size() > indent.size()) line += ' ';
    line += item;
  }
  if (line.size() > indent.size()) out += line + "\n";
  return out;
}

}  // namespace tolsim::script::detail
