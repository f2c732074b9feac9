// Reading the tolsim annotations that `tolsim export --format sbml` writes (writer.cpp): on each element, a
// `tolsim:info` element (namespace kAnnotationNamespace) whose attributes hold what SBML core has no field for, with
// `variability` and `prior` children on parameters. A model written by tolsim reads back with its ids, units,
// sources, variability, priors, species flags, time unit and unit-check mode.
#include <fmt/format.h>
#include <sbml/SBMLTypes.h>

#include <cctype>
#include <cstdlib>
#include <string>

#include "sbml/reader_impl.hpp"
#include "tolsim/sbml/writer.hpp"

namespace tolsim::sbml::detail {
namespace {

const ::XMLNode* info_node(const ::SBase& element) {
  const ::XMLNode* annotation = const_cast<::SBase&>(element).getAnnotation();
  if (!annotation) return nullptr;
  for (unsigned int i = 0; i < annotation->getNumChildren(); ++i) {
    const ::XMLNode& child = annotation->getChild(i);
    if (child.getURI() == kAnnotationNamespace && child.getName() == "info") return &child;
  }
  return nullptr;
}

// A number attribute; an error at the element when it is present and not a number.
std::optional<double> number_attribute(const ::XMLNode& node, const char* name, const SourceLocation& at,
                                       Diagnostics& diagnostics) {
  if (!node.hasAttr(name)) return std::nullopt;
  const std::string text = node.getAttrValue(name);
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') {
    diagnostics.error(at, fmt::format("tolsim annotation: {}=\"{}\" is not a number", name, text));
    return std::nullopt;
  }
  return value;
}

std::optional<model::Variability> read_variability(const ::XMLNode& node, const SourceLocation& at,
                                                   Diagnostics& diagnostics) {
  using D = model::Variability::Distribution;
  model::Variability v;
  v.location = at;
  const std::string distribution = node.getAttrValue("distribution");
  if (distribution == "lognormal") {
    v.distribution = D::kLogNormal;
  } else if (distribution == "normal") {
    v.distribution = D::kNormal;
  } else if (distribution == "uniform") {
    v.distribution = D::kUniform;
  } else {
    diagnostics.error(at,
                      fmt::format("tolsim annotation: unknown variability distribution '{}'", distribution));
    return std::nullopt;
  }
  v.cv = number_attribute(node, "cv", at, diagnostics);
  v.sigma = number_attribute(node, "sigma", at, diagnostics);
  v.sd = number_attribute(node, "sd", at, diagnostics);
  v.lower = number_attribute(node, "lower", at, diagnostics);
  v.upper = number_attribute(node, "upper", at, diagnostics);
  v.truncated = v.distribution != D::kUniform && (v.lower || v.upper);  // as the YAML loader derives it
  return v;
}

std::optional<model::Prior> read_prior(const ::XMLNode& node, const SourceLocation& at,
                                       Diagnostics& diagnostics) {
  model::Prior p;
  p.location = at;
  const auto lower = number_attribute(node, "lower", at, diagnostics);
  const auto upper = number_attribute(node, "upper", at, diagnostics);
  if (!lower || !upper) {
    diagnostics.error(at, "tolsim annotation: a prior needs lower and upper");
    return std::nullopt;
  }
  p.lower = *lower;
  p.upper = *upper;
  p.scale = node.getAttrValue("scale") == "log" ? model::Prior::Scale::kLog : model::Prior::Scale::kLinear;
  return p;
}

}  // namespace

Info read_info(const ::SBase& element, const SourceLocation& at, Diagnostics& diagnostics) {
  Info info;
  const ::XMLNode* node = info_node(element);
  if (!node) return info;
  info.present = true;
  const auto text = [&](const char* name) { return node->hasAttr(name) ? node->getAttrValue(name) : ""; };
  info.id = text("id");
  info.unit = text("unit");
  info.name = text("name");
  info.time_unit = text("time_unit");
  info.unit_check = text("unit_check");
  info.observable = text("observable") == "true";
  info.allow_negative = text("allow_negative") == "true";
  info.fast = text("fast") == "true";
  info.atol = number_attribute(*node, "atol", at, diagnostics);
  if (node->hasAttr("source")) {
    info.source.text = text("source");
    std::string lowered;
    for (char c : info.source.text) lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    info.source.is_assumption = lowered.rfind("assumption", 0) == 0;  // as the YAML loader reads a source
    info.source.location = at;
  }
  for (unsigned int i = 0; i < node->getNumChildren(); ++i) {
    const ::XMLNode& child = node->getChild(i);
    if (child.getURI() != kAnnotationNamespace) continue;
    if (child.getName() == "variability") info.variability = read_variability(child, at, diagnostics);
    if (child.getName() == "prior") info.prior = read_prior(child, at, diagnostics);
  }
  return info;
}

}  // namespace tolsim::sbml::detail
