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
//
// Page-level keys beside `view`: `lesson=ID&step=N` opens step N (from 1) of
// a lesson (lesson_player.h; the view and settings are the step's, so the
// link needs nothing else), `present=1` turns on presenter mode (large
// text, fewer panels) for any link, and `lang=zh` / `lang=en` the page's
// language (without it: the browser's, set_browser_language; the hash the
// page prints names the language whenever it is not that one, so a reload or
// a shared link keeps it).
#pragma once

#include <string>
#include <vector>

#include "web/app/page/views.h"

namespace metalab::web {

struct AppState;

// The browser's preferred languages (navigator.languages, "zh-CN,en-US"):
// Chinese ("zh", "zh-CN", "zh-Hans", "zh-TW" ...) first makes Chinese the
// default language, else English. Called before the first hash.
void set_browser_language(AppState& state, const std::string& languages);

// Applies a hash ("#a=1&b=2" or "a=1&b=2"; empty: defaults) to the state.
void apply_url_hash(AppState& state, const std::string& hash);

// The hash (without '#') that describes the current state.
std::string make_url_hash(const AppState& state);
// The part that describes the visible view and its settings ("view=...&...").
std::string make_view_hash(const AppState& state);

// Applies "key=value&..." to one view's settings through its table, on top of
// what the view has, or from its defaults as a link does (from_defaults).
// Returns what could not be used ("K=500 (1 to 50)", "colour (unknown key)");
// a bad value leaves that setting as it was. Lessons set their labs this way.
std::vector<std::string> apply_view_settings(AppState& state, ViewId view, const std::string& settings,
                                             bool from_defaults);

}  // namespace metalab::web
