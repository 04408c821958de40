// The typed parameters of the Graph's and View's methods: a NodeKind or EdgeKind (or its value), a
// collection of kinds, a read's direction, a flag, node ids. nanobind takes each as any object and
// converts it (``of``) as the call begins: a caster's from_python cannot raise, and a wrong kind or
// direction raises the ValueError it always did, not nanobind's TypeError for no matching overload.
#pragma once

#include "py.h"

#include <optional>
#include <type_traits>
#include <vector>

#include "pytypes.h"

namespace lm {

// A NodeKind or EdgeKind member, or its value as a str (else ValueError), taken as its code:
// native/core/kinds.h's NodeKindCode or EdgeKindCode (its caster below).
template <bool Edge>
using KindCode = std::conditional_t<Edge, EdgeKindCode, NodeKindCode>;
template <bool Edge>
KindCode<Edge> kind_of(nb::handle kind) {
  return KindCode<Edge>(Edge ? edge_kind_code(kind.ptr()) : node_kind_code(kind.ptr()));
}

// A collection of kinds: their codes, each once, in their order, and their bits (kind_bit).
template <bool Edge>
struct KindsOf {
  std::vector<uint8_t> codes;
  uint32_t mask = 0;
  static KindsOf of(nb::handle kinds) {
    KindsOf out;
    for (PyObject* kind : Items(kinds, "kinds must be iterable")) {
      uint8_t code = kind_of<Edge>(kind);
      if (!(out.mask & kind_bit(code))) out.codes.push_back(code);
      out.mask |= kind_bit(code);
    }
    return out;
  }
};
using NodeKinds = KindsOf<false>;
using EdgeKinds = KindsOf<true>;

// A read's ``direction``: "out" (``out`` true) or "in" (else ValueError).
struct Direction {
  bool out;
  static Direction of(nb::handle direction);
};

// A flag, as ``bool(o)`` reads any object (as Python's own functions take flags).
struct Flag {
  bool on;
  static Flag of(nb::handle o);
};

// A walk's plan (graph.stores.requests.WalkPlan), the one statement of its hops and directions:
// ``hops`` (nullopt: None, no bound), ``upstream``, ``downstream``; ``object``, borrowed for the
// walk's call, is handed to a remote store with each level read (RemoteSource::Planned).
struct WalkPlan {
  nb::handle object;
  std::optional<int> hops;
  bool upstream, downstream;
  static WalkPlan of(nb::handle plan);
};

// Node ids (an iterable of str; TypeError else): each borrowed str with its UTF-8, for the call;
// ``read``: other strs (id prefixes, property keys), with their own errors.
struct IdTexts {
  Items seq;  // owns the borrowed ids
  std::vector<nb::handle> objects;
  std::vector<std::string_view> texts;
  std::vector<nb::object> held;  // what texts of strs with lone surrogates lie in
  static IdTexts read(nb::handle strs, const char* not_iterable, const char* not_str);
  static IdTexts of(nb::handle ids) { return read(ids, "ids must be iterable", "node ids are str"); }
};
// The same where the answer holds one item per id, in their order (a Sequence to the stub).
struct IdSequence : IdTexts {
  static IdSequence of(nb::handle ids) { return {IdTexts::of(ids)}; }
};

}  // namespace lm

namespace nanobind::detail {

template <class T, T (*of)(handle)>
struct lm_arg_caster {
  template <typename>
  using Cast = T;
  template <typename>
  static constexpr bool can_cast() {
    return true;
  }
  handle src;
  bool from_python(handle o, uint8_t, cleanup_list*) noexcept {
    src = o;
    return true;
  }
  explicit operator T() { return of(src); }
};

// Each named as the stub shows it.
#define LM_ARG_CASTER(T, name, of)                  \
  template <>                                      \
  struct type_caster<T> : lm_arg_caster<T, of> {   \
    static constexpr auto Name = const_name(name); \
  };
LM_ARG_CASTER(lm::NodeKindCode, "NodeKind", lm::kind_of<false>)
LM_ARG_CASTER(lm::EdgeKindCode, "EdgeKind", lm::kind_of<true>)
LM_ARG_CASTER(lm::NodeKinds, "collections.abc.Collection[NodeKind]", lm::NodeKinds::of)
LM_ARG_CASTER(lm::EdgeKinds, "collections.abc.Collection[EdgeKind]", lm::EdgeKinds::of)
LM_ARG_CASTER(lm::Direction, "str", lm::Direction::of)
LM_ARG_CASTER(lm::Flag, "bool", lm::Flag::of)
LM_ARG_CASTER(lm::WalkPlan, "WalkPlan", lm::WalkPlan::of)
LM_ARG_CASTER(lm::IdTexts, "collections.abc.Iterable[str]", lm::IdTexts::of)
LM_ARG_CASTER(lm::IdSequence, "collections.abc.Sequence[str]", lm::IdSequence::of)
#undef LM_ARG_CASTER

}  // namespace nanobind::detail
