// The page's state in the URL hash, so that a link opens exactly one setup:
//   #view=regression&task=sinusoid&learner=maml&alpha=0.01&beta=0.001&K=10&steps=1&batch=25&width=40&depth=2&seed=3
// `view` picks the view (sinusoid, regression, classification, memory, gene;
// "genes" is an alias of gene); every other key is a setting of that view's
// settings table (web/app/labs/<lab>/settings.h), and what a link does not
// name takes its default. A bad value (or an unknown key) falls back to the
// default and is named in a notice shown at the top of the page
// (PageIo::url_notice).
//
// Links of earlier versions keep opening the setup they opened: a sinusoid or
// gene link carrying the regression lab's keys (learner, alpha, ...) sets the
// regression lab as it did, and a memory link carrying the classification
// lab's keys (learner, dataset, ways, shots) sets those.
#pragma once

#include <string>

namespace metalab::web {

struct AppState;

// Applies a hash ("#a=1&b=2" or "a=1&b=2"; empty: defaults) to the state.
void apply_url_hash(AppState& state, const std::string& hash);

// The hash (without '#') that describes the current state.
std::string make_url_hash(const AppState& state);

}  // namespace metalab::web
