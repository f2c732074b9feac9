#include "tolsim/sbml/writer.hpp"

#include <fmt/format.h>
#include <sbml/SBMLTypes.h>

#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <set>

#include "tolsim/units/unit.hpp"

namespace tolsim::sbml {

namespace {

using expr::Ast;
using expr::AstKind;
using expr::AstOp;

std::string number_text(double x) {
  return fmt::format("{}", x);
}

class Writer {
 public:
  explicit Writer(const model::Model& m) : m_(m), document_(3, 2) { plan_ids(); }

  std::string write() {
    ::Model* sm = document_.createModel();
    model_ = sm;
    sm->setId(sbml_id_for_model());
    if (!m_.description.empty()) sm->setName(m_.description);
    if (!m_.conversion_factor.empty()) sm->setConversionFactor(sid(m_.conversion_factor));
    annotate(sm, {{"name", m_.name},
                  {"time_unit", m_.time_unit},
                  {"unit_check", m_.unit_check == model::UnitCheck::kError     ? "error"
                                 : m_.unit_check == model::UnitCheck::kWarning ? "warn"
                                                                               : "off"}});
    if (const std::string u = unit_id(m_.time_unit); !u.empty()) sm->setTimeUnits(u);
    for (const auto& f : m_.functions) function(*sm, f);
    for (const auto& c : m_.compartments) compartment(*sm, c);
    for (const auto& s : m_.species) species(*sm, s);
    for (const auto& p : m_.parameters) parameter(*sm, p);
    for (const auto& r : m_.rules) rule(*sm, r);
    for (const auto& r : m_.reactions) reaction(*sm, r);
    for (const auto& e : m_.events) event(*sm, e);
    if (!problems_.empty())
      throw ModelError(m_.location, fmt::format("cannot write model '{}' as SBML: {}", m_.name,
                                                fmt::join(problems_, "; ")));
    ::SBMLWriter writer;
    std::unique_ptr<char, decltype(&free)> text(writer.writeSBMLToString(&document_), &free);
    if (!text) throw InternalError("libSBML could not write the document");
    return text.get();
  }

 private:
  // SBML ids: module ids "a.b" become "a__b", made unique if that name is taken.
  void plan_ids() {
    std::set<std::string> taken;
    std::vector<std::string> all;
    for (const auto& c : m_.compartments) all.push_back(c.id);
    for (const auto& s : m_.species) all.push_back(s.id);
    for (const auto& p : m_.parameters) all.push_back(p.id);
    for (const auto& r : m_.reactions) all.push_back(r.id);
    for (const auto& e : m_.events) all.push_back(e.id);
    for (const auto& f : m_.functions) all.push_back(f.id);
    for (const auto& id : all)
      if (id.find('.') == std::string::npos) taken.insert(id);
    taken_ = taken;
    for (const auto& id : all) {
      if (id.find('.') == std::string::npos) continue;
      std::string base;
      for (char c : id) base += c == '.' ? std::string("__") : std::string(1, c);
      std::string candidate = base;
      for (int k = 2; taken.count(candidate); ++k) candidate = fmt::format("{}_{}", base, k);
      taken.insert(candidate);
      taken_.insert(candidate);
      ids_[id] = candidate;
    }
  }
  std::string sid(const std::string& id) const {
    auto it = ids_.find(id);
    return it == ids_.end() ? id : it->second;
  }
  std::string sbml_id_for_model() const {
    std::string out;
    for (char c : m_.name) out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "m_" + out;
    return out;
  }

  // The tolsim annotation of an element: attributes, and child elements for variability and prior.
  void annotate(::SBase* element, const std::vector<std::pair<std::string, std::string>>& attributes,
                const model::Parameter* provenance = nullptr) {
    ::XMLAttributes attrs;
    for (const auto& [key, value] : attributes)
      if (!value.empty()) attrs.add(key, value);
    ::XMLNamespaces ns;
    ns.add(kAnnotationNamespace, "tolsim");
    ::XMLNode info(::XMLTriple("info", kAnnotationNamespace, "tolsim"), attrs, ns);
    if (provenance && provenance->variability) {
      using D = model::Variability::Distribution;
      const auto& v = *provenance->variability;
      ::XMLAttributes va;
      va.add("distribution", v.distribution == D::kLogNormal ? "lognormal"
                             : v.distribution == D::kNormal  ? "normal"
                                                             : "uniform");
      const std::pair<const char*, const std::optional<double>*> fields[] = {
          {"cv", &v.cv}, {"sigma", &v.sigma}, {"sd", &v.sd}, {"lower", &v.lower}, {"upper", &v.upper}};
      for (const auto& [key, field] : fields)
        if (*field) va.add(key, number_text(**field));
      info.addChild(::XMLNode(::XMLTriple("variability", kAnnotationNamespace, "tolsim"), va));
    }
    if (provenance && provenance->prior) {
      ::XMLAttributes pa;
      pa.add("lower", number_text(provenance->prior->lower));
      pa.add("upper", number_text(provenance->prior->upper));
      pa.add("scale", provenance->prior->scale == model::Prior::Scale::kLog ? "log" : "linear");
      info.addChild(::XMLNode(::XMLTriple("prior", kAnnotationNamespace, "tolsim"), pa));
    }
    if (info.getNumChildren() == 0 && attrs.isEmpty()) return;
    element->appendAnnotation(&info);
  }
  std::vector<std::pair<std::string, std::string>> common(const std::string& id,
                                                          const std::string& unit) const {
    return {{"id", ids_.count(id) ? id : std::string()}, {"unit", unit}};
  }

  // ---- units ----
  // The id of the unit definition of a tolsim unit, created on first use; empty for no unit. The definition is the
  // unit's SBML decomposition: its scale goes in the multiplier of its first factor, and the international unit,
  // which SBML has no kind for, is written as dimensionless. The text as written travels in the definition's
  // annotation, so that reading it back gives the same unit.
  std::string unit_id(const std::string& text) {
    if (text.empty()) return {};
    if (auto it = unit_ids_.find(text); it != unit_ids_.end()) return it->second;
    const units::ParseResult parsed = units::parse_unit(text);
    if (!parsed.unit) {
      problems_.push_back(fmt::format("unit '{}' does not parse: {}", text, parsed.error));
      return unit_ids_[text] = {};
    }
    std::string id;
    for (int k = static_cast<int>(unit_ids_.size()) + 1; id.empty() || taken_.count(id); ++k)
      id = fmt::format("tolsim_unit_{}", k);
    ::UnitDefinition* ud = model_->createUnitDefinition();
    ud->setId(id);
    ud->setName(text);
    static constexpr std::array<::UnitKind_t, units::kNumBaseDimensions> kinds = {
        UNIT_KIND_SECOND, UNIT_KIND_METRE,  UNIT_KIND_KILOGRAM,
        UNIT_KIND_MOLE,   UNIT_KIND_ITEM,   UNIT_KIND_DIMENSIONLESS /* IU */,
        UNIT_KIND_KELVIN, UNIT_KIND_AMPERE, UNIT_KIND_CANDELA};
    const units::Unit& u = *parsed.unit;
    double multiplier = u.scale();
    for (int d = 0; d < units::kNumBaseDimensions; ++d) {
      const double e = u.exponent(static_cast<units::BaseDimension>(d));
      if (e == 0.0) continue;
      ::Unit* part = ud->createUnit();
      part->setKind(kinds[static_cast<std::size_t>(d)]);
      part->setExponent(e);
      part->setScale(0);
      part->setMultiplier(
          std::pow(multiplier, 1.0 / e));  // (m x kind)^e: the whole scale on the first factor
      multiplier = 1.0;
    }
    if (ud->getNumUnits() == 0) {
      ::Unit* part = ud->createUnit();
      part->setKind(UNIT_KIND_DIMENSIONLESS);
      part->setExponent(1.0);
      part->setScale(0);
      part->setMultiplier(multiplier);
    }
    annotate(ud, {{"unit", text}});
    return unit_ids_[text] = id;
  }

  // ---- math ----
  ::ASTNode* math(const model::Expression& e, std::set<std::string> locals = {}) {
    locals_ = std::move(locals);
    return convert(*e.ast);
  }
  ::ASTNode* node(::ASTNodeType_t type, std::vector<::ASTNode*> children = {}) {
    auto* n = new ::ASTNode(type);
    for (auto* c : children) n->addChild(c);
    return n;
  }
  ::ASTNode* real(double x) {
    auto* n = new ::ASTNode(::AST_REAL);
    n->setValue(x);
    return n;
  }
  ::ASTNode* name(const std::string& id) {
    auto* n = new ::ASTNode(::AST_NAME);
    n->setName((locals_.count(id) ? id : sid(id)).c_str());
    return n;
  }
  std::vector<::ASTNode*> args(const Ast& a) {
    std::vector<::ASTNode*> out;
    for (const auto& arg : a.args) out.push_back(convert(*arg));
    return out;
  }

  ::ASTNode* convert(const Ast& a) {
    switch (a.kind) {
      case AstKind::kNumber: {
        ::ASTNode* n = real(a.number);
        if (const std::string u = unit_id(a.unit); !u.empty()) n->setUnits(u);
        return n;
      }
      case AstKind::kSymbol:
        if (a.name == "time") {
          auto* n = new ::ASTNode(::AST_NAME_TIME);
          n->setName("time");
          return n;
        }
        if (a.name == "pi") return node(::AST_CONSTANT_PI);
        if (a.name == "true") return node(::AST_CONSTANT_TRUE);
        if (a.name == "false") return node(::AST_CONSTANT_FALSE);
        if (a.name == "inf") return real(std::numeric_limits<double>::infinity());
        if (a.name == "nan") return real(std::numeric_limits<double>::quiet_NaN());
        if (a.name == "avogadro") return real(6.02214076e23);  // tolsim's exact SI value, not SBML's csymbol
        return name(a.name);
      case AstKind::kUnary:
        if (a.op == AstOp::kPlus) return convert(*a.args[0]);
        return node(a.op == AstOp::kNeg ? ::AST_MINUS : ::AST_LOGICAL_NOT, args(a));
      case AstKind::kBinary: {
        static const std::map<AstOp, ::ASTNodeType_t> types = {
            {AstOp::kAdd, ::AST_PLUS},          {AstOp::kSub, ::AST_MINUS},
            {AstOp::kMul, ::AST_TIMES},         {AstOp::kDiv, ::AST_DIVIDE},
            {AstOp::kPow, ::AST_POWER},         {AstOp::kLt, ::AST_RELATIONAL_LT},
            {AstOp::kLe, ::AST_RELATIONAL_LEQ}, {AstOp::kGt, ::AST_RELATIONAL_GT},
            {AstOp::kGe, ::AST_RELATIONAL_GEQ}, {AstOp::kEq, ::AST_RELATIONAL_EQ},
            {AstOp::kNe, ::AST_RELATIONAL_NEQ}, {AstOp::kAnd, ::AST_LOGICAL_AND},
            {AstOp::kOr, ::AST_LOGICAL_OR}};
        return node(types.at(a.op), args(a));
      }
      case AstKind::kCall:
        return call(a);
    }
    throw InternalError("write_sbml: unknown expression node");
  }

  ::ASTNode* call(const Ast& a) {
    static const std::map<std::string, ::ASTNodeType_t> direct = {
        {"exp", ::AST_FUNCTION_EXP},      {"log", ::AST_FUNCTION_LN},
        {"ln", ::AST_FUNCTION_LN},        {"log10", ::AST_FUNCTION_LOG},
        {"sqrt", ::AST_FUNCTION_ROOT},    {"pow", ::AST_POWER},
        {"abs", ::AST_FUNCTION_ABS},      {"floor", ::AST_FUNCTION_FLOOR},
        {"ceil", ::AST_FUNCTION_CEILING}, {"factorial", ::AST_FUNCTION_FACTORIAL},
        {"min", ::AST_FUNCTION_MIN},      {"max", ::AST_FUNCTION_MAX},
        {"sin", ::AST_FUNCTION_SIN},      {"cos", ::AST_FUNCTION_COS},
        {"tan", ::AST_FUNCTION_TAN},      {"asin", ::AST_FUNCTION_ARCSIN},
        {"acos", ::AST_FUNCTION_ARCCOS},  {"atan", ::AST_FUNCTION_ARCTAN},
        {"sinh", ::AST_FUNCTION_SINH},    {"cosh", ::AST_FUNCTION_COSH},
        {"tanh", ::AST_FUNCTION_TANH},    {"piecewise", ::AST_FUNCTION_PIECEWISE},
        {"and", ::AST_LOGICAL_AND},       {"or", ::AST_LOGICAL_OR},
        {"xor", ::AST_LOGICAL_XOR},       {"not", ::AST_LOGICAL_NOT},
        {"delay", ::AST_FUNCTION_DELAY}};
    if (a.name == "hill") {  // x^n / (K^n + x^n)
      const auto pow = [&](const Ast& base) {
        return node(::AST_POWER, {convert(base), convert(*a.args[2])});
      };
      return node(::AST_DIVIDE, {pow(*a.args[0]), node(::AST_PLUS, {pow(*a.args[1]), pow(*a.args[0])})});
    }
    if (a.name == "log2") return node(::AST_FUNCTION_LOG, {real(2.0), convert(*a.args[0])});
    if (auto it = direct.find(a.name); it != direct.end()) return node(it->second, args(a));
    // A function of the model.
    auto* n = new ::ASTNode(::AST_FUNCTION);
    n->setName(sid(a.name).c_str());
    for (auto* c : args(a)) n->addChild(c);
    return n;
  }

  void collect_species(const Ast& a, const std::set<std::string>& locals,
                       std::vector<std::string>& out) const {
    if (a.kind == AstKind::kSymbol && !locals.count(a.name) && m_.find_species(a.name)) out.push_back(a.name);
    for (const auto& arg : a.args)
      if (arg) collect_species(*arg, locals, out);
  }

  template <typename T>
  void set_math(T* element, ::ASTNode* n) {
    element->setMath(n);
    delete n;
  }

  // ---- elements ----
  void function(::Model& sm, const model::FunctionDefinition& f) {
    ::FunctionDefinition* out = sm.createFunctionDefinition();
    out->setId(sid(f.id));
    if (!f.description.empty()) out->setName(f.description);
    std::set<std::string> arguments(f.arguments.begin(), f.arguments.end());
    ::ASTNode* lambda = node(::AST_LAMBDA);
    for (const auto& arg : f.arguments) {
      auto* bvar = new ::ASTNode(::AST_NAME);
      bvar->setName(arg.c_str());
      lambda->addChild(bvar);
    }
    lambda->addChild(math(f.body, arguments));
    set_math(out, lambda);
  }

  void initial_assignment(::Model& sm, const std::string& id, const model::Expression& e) {
    ::InitialAssignment* ia = sm.createInitialAssignment();
    ia->setSymbol(sid(id));
    set_math(ia, math(e));
  }

  void compartment(::Model& sm, const model::Compartment& c) {
    ::Compartment* out = sm.createCompartment();
    out->setId(sid(c.id));
    if (!c.description.empty()) out->setName(c.description);
    out->setSpatialDimensions(static_cast<double>(c.spatial_dimensions));
    out->setConstant(c.constant);
    if (c.size) out->setSize(*c.size);
    if (c.size_expr) initial_assignment(sm, c.id, *c.size_expr);
    if (const std::string u = unit_id(c.unit); !u.empty()) out->setUnits(u);
    auto attributes = common(c.id, c.unit);
    attributes.emplace_back("source", c.source.text);
    annotate(out, attributes);
  }

  void species(::Model& sm, const model::Species& s) {
    ::Species* out = sm.createSpecies();
    out->setId(sid(s.id));
    if (!s.description.empty()) out->setName(s.description);
    out->setCompartment(sid(s.compartment));
    out->setHasOnlySubstanceUnits(s.only_substance_units);
    out->setBoundaryCondition(s.boundary);
    out->setConstant(s.constant);
    if (!s.conversion_factor.empty()) out->setConversionFactor(sid(s.conversion_factor));
    if (s.initial) {
      if (s.initial_is_amount || s.only_substance_units)
        out->setInitialAmount(*s.initial);
      else
        out->setInitialConcentration(*s.initial);
    }
    if (s.initial_expr) initial_assignment(sm, s.id, *s.initial_expr);
    auto attributes = common(s.id, s.unit);
    if (s.allow_negative) attributes.emplace_back("allow_negative", "true");
    if (s.atol) attributes.emplace_back("atol", number_text(*s.atol));
    annotate(out, attributes);
  }

  void parameter(::Model& sm, const model::Parameter& p) {
    ::Parameter* out = sm.createParameter();
    out->setId(sid(p.id));
    if (!p.description.empty()) out->setName(p.description);
    out->setConstant(p.constant);
    if (p.value) out->setValue(*p.value);
    if (p.value_expr) initial_assignment(sm, p.id, *p.value_expr);
    if (const std::string u = unit_id(p.unit); !u.empty()) out->setUnits(u);
    auto attributes = common(p.id, p.unit);
    attributes.emplace_back("source", p.source.text);
    if (p.observable) attributes.emplace_back("observable", "true");
    annotate(out, attributes, &p);
  }

  void rule(::Model& sm, const model::Rule& r) {
    ::Rule* out = r.kind == model::Rule::Kind::kAssignment ? static_cast<::Rule*>(sm.createAssignmentRule())
                                                           : static_cast<::Rule*>(sm.createRateRule());
    out->setVariable(sid(r.variable));
    set_math(out, math(r.math));
  }

  void reaction(::Model& sm, const model::Reaction& r) {
    ::Reaction* out = sm.createReaction();
    out->setId(sid(r.id));
    if (!r.description.empty()) out->setName(r.description);
    out->setReversible(r.reversible);
    for (const auto& ref : r.reactants) {
      ::SpeciesReference* sr = out->createReactant();
      sr->setSpecies(sid(ref.species));
      sr->setStoichiometry(ref.stoichiometry);
      sr->setConstant(true);
    }
    for (const auto& ref : r.products) {
      ::SpeciesReference* sr = out->createProduct();
      sr->setSpecies(sid(ref.species));
      sr->setStoichiometry(ref.stoichiometry);
      sr->setConstant(true);
    }
    // SBML asks every species a rate uses to be listed in the reaction: those that are neither reactants nor
    // products are modifiers.
    std::set<std::string> listed;
    for (const auto& ref : r.reactants) listed.insert(ref.species);
    for (const auto& ref : r.products) listed.insert(ref.species);
    std::vector<std::string> modifiers = r.modifiers;
    std::set<std::string> local_ids;
    for (const auto& p : r.local_parameters) local_ids.insert(p.id);
    collect_species(*r.rate.ast, local_ids, modifiers);
    for (const auto& m : modifiers)
      if (listed.insert(m).second) out->createModifier()->setSpecies(sid(m));
    ::KineticLaw* law = out->createKineticLaw();
    std::set<std::string> locals;
    for (const auto& p : r.local_parameters) {
      ::LocalParameter* lp = law->createLocalParameter();
      lp->setId(p.id);
      if (!p.description.empty()) lp->setName(p.description);
      if (p.value) lp->setValue(*p.value);
      if (const std::string u = unit_id(p.unit); !u.empty()) lp->setUnits(u);
      auto attributes = common(p.id, p.unit);
      attributes.emplace_back("source", p.source.text);
      annotate(lp, attributes, &p);
      locals.insert(p.id);
    }
    set_math(law, math(r.rate, locals));
    auto attributes = common(r.id, "");
    // Level 3 Version 2 dropped the `fast` attribute: tolsim's annotation keeps it.
    if (r.fast) attributes.emplace_back("fast", "true");
    annotate(out, attributes);
  }

  void event(::Model& sm, const model::Event& e) {
    ::Event* out = sm.createEvent();
    out->setId(sid(e.id));
    if (!e.description.empty()) out->setName(e.description);
    out->setUseValuesFromTriggerTime(e.use_values_from_trigger_time);
    ::Trigger* trigger = out->createTrigger();
    trigger->setInitialValue(e.initial_value);
    trigger->setPersistent(e.persistent);
    set_math(trigger, math(e.trigger));
    if (e.delay) set_math(out->createDelay(), math(*e.delay));
    if (e.priority) set_math(out->createPriority(), math(*e.priority));
    for (const auto& a : e.assignments) {
      ::EventAssignment* ea = out->createEventAssignment();
      ea->setVariable(sid(a.variable));
      set_math(ea, math(a.math));
    }
    annotate(out, common(e.id, ""));
  }

  const model::Model& m_;
  ::SBMLDocument document_;
  std::map<std::string, std::string> ids_;  // tolsim id -> SBML id, for ids that are not SBML ids
  std::set<std::string> locals_;            // names bound in the expression being converted: kept as they are
  std::vector<std::string> problems_;
  ::Model* model_ = nullptr;
  std::set<std::string> taken_;                  // SBML ids of the model's elements
  std::map<std::string, std::string> unit_ids_;  // unit as written -> unit definition id
};

}  // namespace

std::string write_sbml(const model::Model& model) {
  return Writer(model).write();
}

}  // namespace tolsim::sbml
