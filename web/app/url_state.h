// The page's state in the URL hash, so that a link opens exactly one setup:
//   #view=regression&task=sinusoid&learner=maml&alpha=0.01&beta=0.001&K=10&steps=1&batch=25&width=40&depth=2&seed=3
// Keys (all optional): view (sinusoid, regression, gene, and the views that
// exist), task (sinusoid, promoter, genes), learner (maml, fomaml, metasgd,
// anil, reptile), alpha, beta, K, steps, batch, width, depth, seed.
// A bad value (or an unknown key) falls back to the default and is named in a
// notice shown at the top of the page (PageIo::url_notice).
#pragma once

#include <string>

#include "web/app/app_state.h"

namespace metalab::web {

// Applies a hash ("#a=1&b=2" or "a=1&b=2"; empty: defaults) to the state.
void apply_url_hash(AppState& state, const std::string& hash);

// The hash (without '#') that describes the current state.
std::string make_url_hash(const AppState& state);

}  // namespace metalab::web
