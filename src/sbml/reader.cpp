#include "tolsim/sbml/reader.hpp"

#include <fmt/format.h>
#include <sbml/SBMLTypes.h>
#include <sbml/conversion/ConversionProperties.h>
#include <sbml/extension/SBasePlugin.h>
#include <sbml/packages/comp/common/CompExtensionTypes.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <numbers>
#include <set>
#include <utility>
#include <vector>

#include "sbml/reader_impl.hpp"
#include "tolsim/expr/ast.hpp"

namespace tolsim::sbml {
namespace fs = std::filesystem;
namespace detail {
namespace {

// The provenance of every imported quantity: SBML core has no field for it.
model::Provenance imported_source(const std::string& file) {
  model::Provenance p;
  p.text = fmt::format("assumption: imported from SBML ({}) without a source", file);
  p.is_assumption = true;
  return p;
}

}  // namespace

void Reader::read_species_reference(const ::SpeciesReference& reference, bool reactant,
                                    model::Reaction& out) {
  if (auto it = stoichiometry_parameter_.find(&reference); it != stoichiometry_parameter_.end()) {
    split_.push_back({id(reference.getSpecies()), reactant, it->second, where(&reference)});
    return;
  }
  model::SpeciesReference r;
  r.species = id(reference.getSpecies());
  // Level 3 leaves an unset stoichiometry undefined; 1 is Level 2's default and what simulators assume.
  r.stoichiometry = reference.isSetStoichiometry() || level_ < 3 ? reference.getStoichiometry() : 1.0;
  r.location = where(&reference);
  // SBML allows zero and negative stoichiometries; tolsim's are positive. A zero one changes nothing, and a
  // reactant consumed -n times is a product made n times (and the other way round).
  if (r.stoichiometry == 0.0) return;
  if (r.stoichiometry < 0.0) {
    r.stoichiometry = -r.stoichiometry;
    reactant = !reactant;
  }
  (reactant ? out.reactants : out.products).push_back(std::move(r));
}

// A species reference with an id is a quantity of the model: its stoichiometry, readable in math. Each becomes a
// parameter. When the stoichiometry can change (stoichiometryMath, a rule, an initial assignment or an event), the
// reaction's term for that species is split off (add_split_reactions).
void Reader::read_stoichiometry_parameters(const ::Model& sm, model::Model& m) {
  const model::Provenance imported = imported_source(file_);
  for (unsigned int i = 0; i < sm.getNumReactions(); ++i) {
    const ::Reaction* r = sm.getReaction(i);
    std::vector<const ::SpeciesReference*> references;
    for (unsigned int k = 0; k < r->getNumReactants(); ++k) references.push_back(r->getReactant(k));
    for (unsigned int k = 0; k < r->getNumProducts(); ++k) references.push_back(r->getProduct(k));
    for (const ::SpeciesReference* reference : references) {
      model::Parameter p;
      p.source = imported;
      p.location = where(reference);
      p.value = reference->isSetStoichiometry() || level_ < 3 ? reference->getStoichiometry() : 1.0;
      if (reference->isSetStoichiometryMath()) {  // Level 2: the stoichiometry is an expression
        auto e = expression(reference->getStoichiometryMath()->getMath(), reference,
                            fmt::format("the stoichiometryMath of '{}'", reference->getSpecies()).c_str());
        if (!e) continue;
        p.id = fresh_id(fmt::format("{}_{}_stoichiometry", id(r->getId()), id(reference->getSpecies())));
        p.value.reset();
        p.constant = false;
        model::Rule rule;
        rule.variable = p.id;
        rule.math = std::move(*e);
        rule.location = p.location;
        m.rules.push_back(std::move(rule));
      } else if (reference->isSetId()) {
        p.id = id(reference->getId());
        p.constant = level_ < 3 || reference->getConstant();
      } else {
        continue;
      }
      if (reference->isSetStoichiometryMath() || assigned_.count(reference->getId()) || !p.constant)
        stoichiometry_parameter_[reference] = p.id;
      m.parameters.push_back(std::move(p));
    }
  }
}

// Each split-off term of `reaction` becomes a reaction of its own: one unit of the species per unit of extent,
// at the rate stoichiometry x rate of `reaction` (a reaction id in math stands for its rate).
void Reader::add_split_reactions(const std::string& reaction, bool reversible, model::Model& m) {
  for (auto& term : split_) {
    model::Reaction part;
    part.id = fresh_id(fmt::format("{}_{}", reaction, term.species));
    part.description = fmt::format("the term of '{}' for '{}', whose stoichiometry '{}' can change", reaction,
                                   term.species, term.stoichiometry);
    part.reversible = reversible;
    part.location = term.location;
    part.rate = converted(
        expr::make_binary(AstOp::kMul, expr::make_symbol(term.stoichiometry), expr::make_symbol(reaction)),
        term.location);
    model::SpeciesReference one;
    one.species = term.species;
    one.stoichiometry = 1.0;
    one.location = term.location;
    (term.reactant ? part.reactants : part.products).push_back(std::move(one));
    m.reactions.push_back(std::move(part));
  }
  split_.clear();
}

std::string Reader::fresh_id(std::string base) {
  base += '_';
  while (taken_.count(base) || model::is_reserved_name(base)) base += '_';
  taken_.insert(base);
  return base;
}

void Reader::plan_renames(const ::Model& sm) {
  std::vector<const ::SBase*> global;
  for (unsigned int i = 0; i < sm.getNumCompartments(); ++i) global.push_back(sm.getCompartment(i));
  for (unsigned int i = 0; i < sm.getNumSpecies(); ++i) global.push_back(sm.getSpecies(i));
  for (unsigned int i = 0; i < sm.getNumParameters(); ++i) global.push_back(sm.getParameter(i));
  for (unsigned int i = 0; i < sm.getNumReactions(); ++i) {
    const ::Reaction* r = sm.getReaction(i);
    global.push_back(r);
    for (unsigned int k = 0; k < r->getNumReactants(); ++k) global.push_back(r->getReactant(k));
    for (unsigned int k = 0; k < r->getNumProducts(); ++k) global.push_back(r->getProduct(k));
  }
  for (const ::SBase* element : global)
    if (element->isSetId()) taken_.insert(element->getId());
  for (const ::SBase* element : global) {
    if (!element->isSetId() || !model::is_reserved_name(element->getId())) continue;
    const std::string& old_id = element->getId();
    const std::string new_id = fresh_id(old_id);
    renamed_[old_id] = new_id;
    diagnostics_.note(
        where(element),
        fmt::format("SBML id '{}' is a reserved name in tolsim; it is read as '{}'", old_id, new_id));
  }
}

// What tolsim's own export wrote in annotations (annotations.cpp): the model's name, time unit and unit-check
// mode, the tolsim ids of elements whose ids are not SBML ids, and the units that numbers in math carry.
void Reader::restore_annotations(const ::Model& sm, model::Model& m) {
  if (const Info info = read_info(sm, where(&sm), diagnostics_); info.present) {
    if (!info.name.empty()) m.name = info.name;
    if (!info.time_unit.empty()) m.time_unit = info.time_unit;
    if (info.unit_check == "error") m.unit_check = model::UnitCheck::kError;
    if (info.unit_check == "warn") m.unit_check = model::UnitCheck::kWarning;
  }
  std::vector<const ::SBase*> named;
  for (unsigned int i = 0; i < sm.getNumCompartments(); ++i) named.push_back(sm.getCompartment(i));
  for (unsigned int i = 0; i < sm.getNumSpecies(); ++i) named.push_back(sm.getSpecies(i));
  for (unsigned int i = 0; i < sm.getNumParameters(); ++i) named.push_back(sm.getParameter(i));
  for (unsigned int i = 0; i < sm.getNumReactions(); ++i) named.push_back(sm.getReaction(i));
  for (unsigned int i = 0; i < sm.getNumEvents(); ++i) named.push_back(sm.getEvent(i));
  for (const ::SBase* element : named)
    if (const Info info = read_info(*element, where(element), diagnostics_);
        !info.id.empty() && options_.module_ids)
      original_[element->getId()] = info.id;
  for (unsigned int i = 0; i < sm.getNumUnitDefinitions(); ++i) {
    const ::UnitDefinition* ud = sm.getUnitDefinition(i);
    if (const Info info = read_info(*ud, where(ud), diagnostics_); !info.unit.empty())
      unit_text_[ud->getId()] = info.unit;
  }
}

void Reader::restore(const ::SBase& element, model::Parameter& p) {
  const Info info = read_info(element, p.location, diagnostics_);
  if (!info.present) return;
  p.unit = info.unit;
  p.source = info.source;  // tolsim wrote the source, if the parameter has one (observables have none)
  p.variability = info.variability;
  p.prior = info.prior;
  p.observable = info.observable;
}

// rateOf(x), the time derivative of x, written out from what changes x: its rate rule, or the reactions that make
// and use it (times its conversion factor, over its compartment's size if it is a concentration). Anything else
// that is not set by an assignment rule is constant between events, with rate 0.
model::Model Reader::read(::SBMLDocument& document) {
  model::Model m;
  m.files.push_back(file_);
  m.location = where(nullptr);
  level_ = document.getLevel();
  const ::Model* sm = document.getModel();
  if (!sm) {
    error(&document, "the SBML document has no model");
    return m;
  }
  m.name = sm->isSetId() ? sm->getId() : (sm->isSetName() ? sm->getName() : "sbml-model");
  m.description = sm->isSetName() ? sm->getName() : "";
  m.time_unit.assign(1, 's');  // assign(1, c): a string literal here trips GCC 12's -Wrestrict false positive
  m.unit_check = model::UnitCheck::kOff;  // SBML units are optional, and most models leave them out
  sbml_model_ = sm;
  plan_renames(*sm);
  restore_annotations(*sm, m);
  if (sm->isSetConversionFactor()) m.conversion_factor = id(sm->getConversionFactor());

  for (unsigned int i = 0; i < sm->getNumRules(); ++i) assigned_.insert(sm->getRule(i)->getVariable());
  for (unsigned int i = 0; i < sm->getNumInitialAssignments(); ++i)
    assigned_.insert(sm->getInitialAssignment(i)->getSymbol());
  for (unsigned int i = 0; i < sm->getNumEvents(); ++i)
    for (unsigned int k = 0; k < sm->getEvent(i)->getNumEventAssignments(); ++k)
      assigned_.insert(sm->getEvent(i)->getEventAssignment(k)->getVariable());

  const model::Provenance imported = imported_source(file_);
  for (unsigned int i = 0; i < sm->getNumCompartments(); ++i) {
    const ::Compartment* c = sm->getCompartment(i);
    model::Compartment out;
    out.id = id(c->getId());
    if (c->isSetSize())
      out.size = c->getSize();
    else if (level_ < 3)
      out.size = 1.0;  // Level 2 default
    out.spatial_dimensions = static_cast<int>(c->getSpatialDimensions());
    out.constant = c->getConstant();
    out.description = c->getName();
    out.source = imported;
    out.location = where(c);
    if (const Info info = read_info(*c, out.location, diagnostics_); info.present) {
      out.unit = info.unit;
      out.source = info.source;  // tolsim wrote the source, if the compartment has one
    }
    m.compartments.push_back(std::move(out));
  }
  for (unsigned int i = 0; i < sm->getNumSpecies(); ++i) {
    const ::Species* s = sm->getSpecies(i);
    model::Species out;
    out.id = id(s->getId());
    out.compartment = id(s->getCompartment());
    if (s->isSetInitialAmount()) {
      out.initial = s->getInitialAmount();
      out.initial_is_amount = true;
    } else if (s->isSetInitialConcentration()) {
      out.initial = s->getInitialConcentration();
    }
    // `value op size`: an initial value converted between amount and concentration by the compartment's size.
    const auto by_size = [&](AstOp op, double value) {
      return converted(expr::make_binary(op, number(value), expr::make_symbol(out.compartment)), where(s));
    };
    if (s->isSetInitialConcentration() && s->getHasOnlySubstanceUnits()) {
      // The species' value is its amount: concentration x compartment size.
      out.initial.reset();
      out.initial_expr = by_size(AstOp::kMul, s->getInitialConcentration());
    }
    // A species in a zero-dimensional compartment without a size has no concentration: its value is its amount.
    const ::Compartment* home = sm->getCompartment(s->getCompartment());
    const bool point = home && home->isSetSpatialDimensions() &&
                       home->getSpatialDimensionsAsDouble() == 0.0 && !home->isSetSize() &&
                       !assigned_.count(home->getId());
    out.only_substance_units = s->getHasOnlySubstanceUnits() || point;
    out.boundary = s->getBoundaryCondition();
    out.constant = s->getConstant();
    if (out.constant && !out.only_substance_units && home && !home->getConstant()) {
      // A constant species keeps its amount (the SBML Test Suite's reading): in a compartment that changes size,
      // its concentration changes. A boundary species that nothing changes behaves so.
      out.constant = false;
      out.boundary = true;
    } else if (out.constant && !out.only_substance_units && out.initial_is_amount && out.initial) {
      // A constant species is a fixed value, its concentration here: the initial amount over the size.
      out.initial_expr = by_size(AstOp::kDiv, *out.initial);
      out.initial.reset();
      out.initial_is_amount = false;
    }
    out.allow_negative = true;  // SBML does not forbid negative amounts
    if (s->isSetConversionFactor()) out.conversion_factor = id(s->getConversionFactor());
    out.description = s->getName();
    out.location = where(s);
    if (const Info info = read_info(*s, out.location, diagnostics_); info.present) {
      out.unit = info.unit;
      out.allow_negative = info.allow_negative;  // written only when true
      out.atol = info.atol;
    }
    m.species.push_back(std::move(out));
  }
  for (unsigned int i = 0; i < sm->getNumParameters(); ++i) {
    const ::Parameter* p = sm->getParameter(i);
    model::Parameter out;
    out.id = id(p->getId());
    if (p->isSetValue()) out.value = p->getValue();
    out.constant = p->getConstant();
    out.description = p->getName();
    out.source = imported;
    out.location = where(p);
    restore(*p, out);
    m.parameters.push_back(std::move(out));
  }
  read_stoichiometry_parameters(*sm, m);
  for (unsigned int i = 0; i < sm->getNumInitialAssignments(); ++i) {
    const ::InitialAssignment* a = sm->getInitialAssignment(i);
    if (!a->isSetMath()) continue;  // SBML: an initial assignment without math has no effect
    auto e =
        expression(a->getMath(), a, fmt::format("the initial assignment of '{}'", a->getSymbol()).c_str());
    if (!e) continue;
    const std::string target = id(a->getSymbol());
    auto c =
        std::find_if(m.compartments.begin(), m.compartments.end(), [&](auto& x) { return x.id == target; });
    auto s = std::find_if(m.species.begin(), m.species.end(), [&](auto& x) { return x.id == target; });
    auto p = std::find_if(m.parameters.begin(), m.parameters.end(), [&](auto& x) { return x.id == target; });
    if (c != m.compartments.end()) {
      c->size.reset();
      c->size_expr = std::move(*e);
    } else if (s != m.species.end()) {
      s->initial.reset();
      s->initial_is_amount = false;  // the assignment gives the species' value (amount or concentration)
      s->initial_expr = std::move(*e);
    } else if (p != m.parameters.end()) {
      p->value.reset();
      p->value_expr = std::move(*e);
    } else {
      error(a, fmt::format("the initial assignment of '{}' sets something tolsim cannot (only compartments, "
                           "species and parameters)",
                           target));
    }
  }
  std::vector<AlgebraicRule> algebraic;  // solved once reactions and events are read
  for (unsigned int i = 0; i < sm->getNumRules(); ++i) {
    const ::Rule* r = sm->getRule(i);
    if (!r->isSetMath()) continue;  // SBML: a rule without math has no effect
    if (r->isAlgebraic()) {
      if (auto e = expression(r->getMath(), r, "the algebraic rule"))
        algebraic.push_back({std::move(*e), where(r)});
      continue;
    }
    auto e = expression(r->getMath(), r, fmt::format("the rule for '{}'", r->getVariable()).c_str());
    if (!e) continue;
    model::Rule out;
    out.kind = r->isRate() ? model::Rule::Kind::kRate : model::Rule::Kind::kAssignment;
    out.variable = id(r->getVariable());
    out.math = std::move(*e);
    out.location = where(r);
    m.rules.push_back(std::move(out));
  }
  for (unsigned int i = 0; i < sm->getNumReactions(); ++i) {
    const ::Reaction* r = sm->getReaction(i);
    split_.clear();
    model::Reaction out;
    out.id = id(r->getId());
    out.reversible = r->getReversible();
    out.description = r->getName();
    out.location = where(r);
    out.fast = (r->isSetFast() && r->getFast()) || read_info(*r, out.location, diagnostics_).fast;
    for (unsigned int k = 0; k < r->getNumReactants(); ++k)
      read_species_reference(*r->getReactant(k), true, out);
    for (unsigned int k = 0; k < r->getNumProducts(); ++k)
      read_species_reference(*r->getProduct(k), false, out);
    for (unsigned int k = 0; k < r->getNumModifiers(); ++k)
      out.modifiers.push_back(id(r->getModifier(k)->getSpecies()));
    const ::KineticLaw* law = r->getKineticLaw();
    if (!law || !law->isSetMath()) {
      out.rate = converted(number(0.0), out.location);  // no kinetic law: SBML leaves the rate undefined
    } else {
      // A local parameter hides any global id of the same name within its kinetic law. tolsim scopes local
      // parameters over global parameters only, so one that hides anything else (a compartment, species or
      // reaction, or a reserved name) gets a fresh id here.
      const unsigned int n_local = level_ >= 3 ? law->getNumLocalParameters() : law->getNumParameters();
      const auto local = [&](unsigned int k) {
        return level_ >= 3 ? static_cast<const ::Parameter*>(law->getLocalParameter(k))
                           : law->getParameter(k);
      };
      local_.clear();
      local_ids_.clear();
      for (unsigned int k = 0; k < n_local; ++k) {
        const std::string& lid = local(k)->getId();
        local_ids_.insert(lid);
        if (model::is_reserved_name(lid) || (taken_.count(lid) && !sm->getParameter(lid)))
          local_[lid] = fresh_id(fmt::format("{}_{}", out.id, lid));
      }
      auto e = expression(law->getMath(), law, fmt::format("the kinetic law of '{}'", out.id).c_str());
      if (!e) continue;
      out.rate = std::move(*e);
      for (unsigned int k = 0; k < n_local; ++k) {
        const ::Parameter* lp = local(k);
        model::Parameter p;
        p.id = id(lp->getId());
        if (lp->isSetValue()) p.value = lp->getValue();
        p.description = lp->getName();
        p.source = imported;
        p.location = where(lp);
        restore(*lp, p);
        out.local_parameters.push_back(std::move(p));
      }
      local_.clear();
      local_ids_.clear();
    }
    const std::string reaction_id = out.id;
    const bool reversible = out.reversible;
    m.reactions.push_back(std::move(out));
    add_split_reactions(reaction_id, reversible, m);
  }
  for (unsigned int i = 0; i < sm->getNumEvents(); ++i) {
    const ::Event* ev = sm->getEvent(i);
    model::Event out;
    out.id = ev->isSetId() ? id(ev->getId()) : fmt::format("event_{}", i + 1);
    out.location = where(ev);
    const ::Trigger* trigger = ev->getTrigger();
    if (!trigger || !trigger->isSetMath()) continue;  // SBML Level 3 Version 2: such an event never fires
    auto t =
        expression(trigger->getMath(), trigger, fmt::format("the trigger of event '{}'", out.id).c_str());
    if (!t) continue;
    if (!is_condition(*t->ast))  // a number as a trigger: SBML reads non-zero as true
      *t = converted(expr::make_binary(AstOp::kNe, t->ast, number(0.0)), t->location);
    out.trigger = std::move(*t);
    out.initial_value = level_ >= 3 ? trigger->getInitialValue() : true;
    out.persistent = level_ >= 3 ? trigger->getPersistent() : true;
    out.use_values_from_trigger_time = ev->getUseValuesFromTriggerTime();
    if (ev->isSetDelay() && ev->getDelay()->isSetMath()) {  // a delay without math is no delay
      auto d = expression(ev->getDelay()->getMath(), ev->getDelay(), "an event delay");
      if (!d) continue;
      out.delay = std::move(*d);
    }
    if (ev->isSetPriority() && ev->getPriority()->isSetMath()) {  // nor is a priority without math
      auto p = expression(ev->getPriority()->getMath(), ev->getPriority(), "an event priority");
      if (!p) continue;
      out.priority = std::move(*p);
    }
    for (unsigned int k = 0; k < ev->getNumEventAssignments(); ++k) {
      const ::EventAssignment* a = ev->getEventAssignment(k);
      if (!a->isSetMath()) continue;  // an assignment without math changes nothing
      auto e = expression(a->getMath(), a, fmt::format("the assignment of '{}'", a->getVariable()).c_str());
      if (!e) continue;
      out.assignments.push_back({id(a->getVariable()), std::move(*e), where(a)});
    }
    m.events.push_back(std::move(out));
  }
  solve_algebraic_rules(algebraic, m, diagnostics_);
  resolve_rate_of(m);
  return m;
}

}  // namespace detail

namespace {

// The files that a hierarchical model's external model definitions name, each resolved against `base_path`,
// with the definition's line. Sources are relative paths or file: URIs; other URIs are listed unresolved.
struct ExternalModel {
  std::string source;
  fs::path resolved;
  unsigned int line = 0;
};

std::vector<ExternalModel> external_models(const ::SBMLDocument& document, const std::string& base_path) {
  std::vector<ExternalModel> out;
  const auto* comp = dynamic_cast<const ::CompSBMLDocumentPlugin*>(document.getPlugin("comp"));
  if (!comp) return out;
  for (unsigned int i = 0; i < comp->getNumExternalModelDefinitions(); ++i) {
    const ::ExternalModelDefinition* d = comp->getExternalModelDefinition(i);
    ExternalModel e{d->getSource(), {}, d->getLine()};
    std::string path = e.source;
    if (path.starts_with("file://"))
      path.erase(0, 7);
    else if (path.starts_with("file:"))
      path.erase(0, 5);
    if (path.find("://") == std::string::npos) {
      e.resolved = fs::path(path);
      if (e.resolved.is_relative()) e.resolved = fs::path(base_path) / e.resolved;
    }
    out.push_back(std::move(e));
  }
  return out;
}

// A hierarchical model (the comp package) becomes one flat core model through libSBML's flattening converter:
// submodels are instantiated with their ids prefixed, replacements and deletions applied, ports removed. External
// model definitions are looked up beside the file. Returns false, with the converter's errors in the document,
// when the model cannot be flattened.
bool flatten_comp(::SBMLDocument& document, const std::string& base_path) {
  ::ConversionProperties properties;
  properties.addOption("flatten comp", true);
  properties.addOption("basePath", base_path);
  properties.addOption("leavePorts", false);
  properties.addOption("performValidation", false);
  return document.convert(properties) == LIBSBML_OPERATION_SUCCESS;
}

model::LoadedModel finish(std::unique_ptr<::SBMLDocument> document, const std::string& file,
                          const std::string& base_path, std::map<std::string, std::string>* renamed,
                          const ReadOptions& options) {
  Diagnostics diagnostics;
  SourceLocation at_file;
  at_file.file = file;
  const auto report_errors = [&] {
    bool any = false;
    for (unsigned int i = 0; i < document->getNumErrors(); ++i) {
      const ::SBMLError* e = document->getError(i);
      if (!e->isError() && !e->isFatal()) continue;
      SourceLocation location = at_file;
      location.line = static_cast<int>(e->getLine());
      location.column = static_cast<int>(e->getColumn());
      std::string message = e->getMessage();
      while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) message.pop_back();
      diagnostics.error(location, fmt::format("SBML: {}", message));
      any = true;
    }
    return any;
  };
  if (report_errors()) throw ModelError(diagnostics);
  if (document->getPlugin("comp") && document->isPackageEnabled("comp")) {
    bool missing = false;
    for (const auto& e : external_models(*document, base_path)) {
      if (!e.resolved.empty() && fs::is_regular_file(e.resolved)) continue;
      SourceLocation location = at_file;
      location.line = static_cast<int>(e.line);
      diagnostics.error(location,
                        e.resolved.empty()
                            ? fmt::format("comp: external model '{}' is not a local file", e.source)
                            : fmt::format("comp: external model file '{}' not found", e.resolved.string()));
      missing = true;
    }
    if (missing) throw ModelError(diagnostics);
    if (!flatten_comp(*document, base_path)) {
      if (!report_errors())
        diagnostics.error(at_file,
                          "SBML: the hierarchical (comp) model could not be flattened into one model");
      throw ModelError(diagnostics);
    }
  }
  // libSBML represents Level 3 Version 2's core math (min, max, rateOf...) as the plugin "l3v2extendedmath".
  // Layout and render describe how to draw the network and change nothing in the simulation: they are ignored.
  std::vector<std::string> packages;
  for (unsigned int i = 0; i < document->getNumPlugins(); ++i) {
    const std::string name = document->getPlugin(i)->getPackageName();
    if (name != "l3v2extendedmath" && name != "layout" && name != "render") packages.push_back(name);
  }
  if (!packages.empty()) {
    diagnostics.error(at_file,
                      fmt::format("SBML Level 3 packages are not supported ({})", fmt::join(packages, ", ")));
    throw ModelError(diagnostics);
  }
  detail::Reader reader(file, diagnostics, options);
  model::Model m = reader.read(*document);
  if (renamed) *renamed = reader.renamed();
  if (diagnostics.has_errors()) throw ModelError(diagnostics);
  model::validate_model(m, diagnostics);
  if (diagnostics.has_errors()) throw ModelError(diagnostics);
  return {std::move(m), std::move(diagnostics)};
}

}  // namespace

model::LoadedModel read_sbml(const std::string& path, std::map<std::string, std::string>* renamed,
                             const ReadOptions& options) {
  ::SBMLReader reader;
  const std::string base = fs::path(path).parent_path().string();
  return finish(std::unique_ptr<::SBMLDocument>(reader.readSBMLFromFile(path)), path,
                base.empty() ? "." : base, renamed, options);
}

model::LoadedModel read_sbml_from_string(const std::string& text, const std::string& file_name,
                                         std::map<std::string, std::string>* renamed,
                                         const ReadOptions& options) {
  ::SBMLReader reader;
  return finish(std::unique_ptr<::SBMLDocument>(reader.readSBMLFromString(text)), file_name, ".", renamed,
                options);
}

std::vector<std::string> missing_external_models(const std::string& path) {
  ::SBMLReader reader;
  const std::unique_ptr<::SBMLDocument> document(reader.readSBMLFromFile(path));
  const std::string base = fs::path(path).parent_path().string();
  std::vector<std::string> missing;
  for (const auto& e : external_models(*document, base.empty() ? "." : base))
    if (e.resolved.empty() || !fs::is_regular_file(e.resolved)) missing.push_back(e.source);
  return missing;
}

bool is_sbml_path(const std::string& path) {
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.ends_with(".xml") || lower.ends_with(".sbml");
}

}  // namespace tolsim::sbml
