// The few-shot classification results driver behind scripts/classification-results.sh:
// trains each learner on meta-training episodes of one data set, then reports
// the mean query accuracy over held-out test episodes with a 95% confidence
// interval (mean +- 1.96 sd / sqrt(n)), one Markdown table row per learner and
// test setting, plus the training budget (episodes, wall time).
//
//   classification_results --data glyphs --learners protonet,nearest --ways 5 --shots 1
//       --queries 15 --test-shots 1,5 --episodes 1000 --test-episodes 1000      (one line)
//   classification_results --data csv:assets/data/tissue_gene_expression.csv:tissue ...
//   classification_results --data fashion-mnist:/usr/share/datasets/fashion-mnist ...
//   classification_results --data images:ROOT ...          (one folder of images per class)
//
// Everything is seeded: the same command prints the same numbers.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/learners/registry.h"
#include "core/tasks/episodes.h"
#include "native/data/gz.h"
#include "native/data/malloc_tuning.h"

namespace {

using namespace metalab;
using Clock = std::chrono::steady_clock;

std::vector<std::string> split_list(const std::string& s, char sep = ',') {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

struct RunOptions {
  std::string data = "glyphs";
  std::vector<std::string> learners{"protonet", "matchingnet", "fomaml", "nearest", "pretrain"};
  int ways = 5, shots = 1, queries = 15, test_ways = 0, test_queries = 0;
  std::vector<int> test_shots;
  int episodes = 1000, test_episodes = 1000, meta_batch = 1, maml_meta_batch = 4;
  int maml_steps = 3, maml_train_steps = 1, pretrain_steps = 100;
  float maml_inner_lr = 0.4f, outer_lr = 0.001f;
  std::vector<int> hidden{64, 64};
  std::vector<std::string> train_classes, test_classes, exclude;
  double train_fraction = 0.6, validation_fraction = 0.0;
  std::uint64_t split_seed = 1, seed = 1;
  int glyph_classes = 1200, glyph_size = 28;
  bool invert = false, rotations = false;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "classification_results: " << why
            << "\noptions: --data glyphs|csv:PATH:LABEL|fashion-mnist:DIR|images:ROOT --learners a,b,..."
               " --ways N --shots K --queries Q --test-ways N --test-shots K1,K2 --test-queries Q --episodes E"
               " --test-episodes T --meta-batch B --maml-meta-batch B --maml-steps S --maml-train-steps S --maml-inner-lr A"
               " --pretrain-steps S --outer-lr L --hidden 64,64 --train-classes a,b --test-classes c,d"
               " --exclude col,col --train-fraction F --split-seed S --seed S --glyph-classes C --glyph-size S"
               " --invert --rotations\n";
  std::exit(2);
}

RunOptions parse(int argc, char** argv) {
  RunOptions o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    auto ints = [&](const std::string& v) {
      std::vector<int> r;
      for (const auto& s : split_list(v)) r.push_back(std::stoi(s));
      return r;
    };
    if (a == "--data") o.data = value();
    else if (a == "--learners") o.learners = split_list(value());
    else if (a == "--ways") o.ways = std::stoi(value());
    else if (a == "--shots") o.shots = std::stoi(value());
    else if (a == "--queries") o.queries = std::stoi(value());
    else if (a == "--test-ways") o.test_ways = std::stoi(value());
    else if (a == "--test-shots") o.test_shots = ints(value());
    else if (a == "--test-queries") o.test_queries = std::stoi(value());
    else if (a == "--episodes") o.episodes = std::stoi(value());
    else if (a == "--test-episodes") o.test_episodes = std::stoi(value());
    else if (a == "--meta-batch") o.meta_batch = std::stoi(value());
    else if (a == "--maml-meta-batch") o.maml_meta_batch = std::stoi(value());
    else if (a == "--maml-steps") o.maml_steps = std::stoi(value());
    else if (a == "--maml-train-steps") o.maml_train_steps = std::stoi(value());
    else if (a == "--maml-inner-lr") o.maml_inner_lr = std::stof(value());
    else if (a == "--pretrain-steps") o.pretrain_steps = std::stoi(value());
    else if (a == "--outer-lr") o.outer_lr = std::stof(value());
    else if (a == "--hidden") o.hidden = ints(value());
    else if (a == "--train-classes") o.train_classes = split_list(value());
    else if (a == "--test-classes") o.test_classes = split_list(value());
    else if (a == "--exclude") o.exclude = split_list(value());
    else if (a == "--train-fraction") o.train_fraction = std::stod(value());
    else if (a == "--split-seed") o.split_seed = std::stoull(value());
    else if (a == "--seed") o.seed = std::stoull(value());
    else if (a == "--glyph-classes") o.glyph_classes = std::stoi(value());
    else if (a == "--glyph-size") o.glyph_size = std::stoi(value());
    else if (a == "--invert") o.invert = true;
    else if (a == "--rotations") o.rotations = true;
    else usage("unknown option " + a);
  }
  if (o.test_shots.empty()) o.test_shots = {o.shots};
  return o;
}

std::unique_ptr<ClassificationSource> make_source(const RunOptions& o, int test_shots) {
  EpisodeConfig e;
  e.ways = o.ways;
  e.shots = o.shots;
  e.queries = o.queries;
  e.test_ways = o.test_ways;
  e.test_shots = test_shots;
  e.test_queries = o.test_queries;
  ClassSplitConfig split;
  split.train_fraction = o.train_fraction;
  split.validation_fraction = o.validation_fraction;
  split.seed = o.split_seed;
  split.train_classes = o.train_classes;
  split.test_classes = o.test_classes;
  if (o.data == "glyphs") {
    GlyphSourceConfig g;
    g.num_classes = o.glyph_classes;
    g.glyph.size = o.glyph_size;
    g.seed = o.seed;
    g.split_seed = o.split_seed;
    g.train_fraction = o.train_fraction;
    g.validation_fraction = o.validation_fraction;
    return make_glyph_source(g, e);
  }
  const auto colon = o.data.find(':');
  const std::string kind = o.data.substr(0, colon), rest = colon == std::string::npos ? "" : o.data.substr(colon + 1);
  if (kind == "csv") {
    const auto c2 = rest.rfind(':');
    if (c2 == std::string::npos) usage("--data csv:PATH:LABEL");
    const std::string path = rest.substr(0, c2), label = rest.substr(c2 + 1);
    LabeledDataset d = dataset_from_table(load_csv_file(path), label, -1, o.exclude);
    return make_dataset_source("table", std::move(d), split, e, /*standardize=*/true);
  }
  if (kind == "fashion-mnist") {
    const std::string dir = rest.empty() ? "/usr/share/datasets/fashion-mnist" : rest;
    const std::string ip = dir + "/train-images-idx3-ubyte.gz", lp = dir + "/train-labels-idx1-ubyte.gz";
    LabeledDataset d = dataset_from_idx(parse_idx_images(read_maybe_gzipped_file(ip), ip),
                                        parse_idx_labels(read_maybe_gzipped_file(lp), lp), fashion_mnist_class_names());
    return make_dataset_source("fashion-mnist", std::move(d), split, e);
  }
  if (kind == "images") {
    ImageLoadOptions io;
    io.invert = o.invert;
    io.rotations = o.rotations;
    return make_dataset_source("images", dataset_from_images(load_image_folder(rest, io)), split, e);
  }
  usage("unknown --data " + o.data);
}

LearnerConfig learner_config(const RunOptions& o, const ClassificationSource& src, const std::string& name) {
  LearnerConfig c;
  c.learner = name;
  c.seed = o.seed;
  c.model.classification = true;
  c.model.input_dim = src.input_dim();
  c.model.output_dim = src.output_dim();
  if (src.images()) {
    c.model.backbone = "conv4";
    c.model.image_height = src.image_height();
    c.model.image_width = src.image_width();
    c.model.image_channels = src.image_channels();
  } else {
    c.model.backbone = "mlp";
    c.model.hidden = o.hidden;
  }
  c.outer_lr = o.outer_lr;
  c.meta_batch = o.meta_batch;
  const LearnerInfo& info = learner_info(name);
  if (info.inner_loop()) {
    c.inner_lr = o.maml_inner_lr;
    c.inner_steps = o.maml_train_steps;  // inner steps while meta-training (test: --maml-steps)
    c.meta_batch = o.maml_meta_batch;
  }
  if (info.uses("pretrain_classes")) {
    c.pretrain_classes = static_cast<int>(src.class_split().train.size());
    c.inner_lr = 0.01f;  // Adam on the new head
  }
  return c;
}

// "glyphs", "tissue_gene_expression (tissue)", "fashion-mnist", "images (ROOT)".
std::string data_label(const std::string& data) {
  const auto colon = data.find(':');
  if (colon == std::string::npos) return data;
  const std::string kind = data.substr(0, colon), rest = data.substr(colon + 1);
  if (kind == "csv") {
    const auto c2 = rest.rfind(':');
    std::string path = rest.substr(0, c2);
    path = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
    if (path.size() > 4 && path.compare(path.size() - 4, 4, ".csv") == 0) path.resize(path.size() - 4);
    return path + " (" + rest.substr(c2 + 1) + ")";
  }
  if (kind == "images") return "images (" + rest + ")";
  return kind;
}

struct Score {
  double mean = 0, half_width = 0;
};
Score accuracy(const Learner& l, const TaskSource& src, int n, int steps, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<double> acc;
  for (int i = 0; i < n; ++i) {
    const Task t = src.sample(Split::MetaTest, rng);
    const auto path = l.adapt(t, l.iterative() ? steps : 0);
    acc.push_back(l.model().metric(path.back()(t.query_x), t.query_y));
  }
  double m = 0, v = 0;
  for (double a : acc) m += a;
  m /= n;
  for (double a : acc) v += (a - m) * (a - m);
  v /= std::max(1, n - 1);
  return {m, 1.96 * std::sqrt(v / n)};
}

}  // namespace

int main(int argc, char** argv) {
  tune_malloc_for_large_tensors();
  const RunOptions o = parse(argc, argv);
  try {
    // The training source: its test settings are irrelevant (test sources are rebuilt per K).
    auto train_src = make_source(o, o.test_shots[0]);
    for (const auto& w : train_src->warnings()) std::cerr << "warning: " << w << "\n";
    for (const std::string& name : o.learners) {
      auto learner = make_learner(learner_config(o, *train_src, name));
      Rng rng(o.seed * 7919 + 17);
      const auto t0 = Clock::now();
      const int batch = learner->config().meta_batch;
      const bool trains = learner->info().meta_trained();
      double last_loss = 0, last_acc = 0;
      for (int it = 0; trains && it < o.episodes; ++it) {
        std::vector<Task> tasks;
        for (int b = 0; b < batch; ++b) tasks.push_back(train_src->sample(Split::MetaTrain, rng));
        const StepStats s = learner->meta_step(tasks);
        last_loss = 0.99 * last_loss + 0.01 * s.loss;
        last_acc = 0.99 * last_acc + 0.01 * s.metric;
        if ((it + 1) % std::max(1, o.episodes / 10) == 0)
          std::cerr << name << " " << (it + 1) << "/" << o.episodes << " loss(ema) " << last_loss << " acc(ema) "
                    << last_acc << " " << std::chrono::duration<double>(Clock::now() - t0).count() << " s\n";
      }
      const double train_s = std::chrono::duration<double>(Clock::now() - t0).count();
      for (int k : o.test_shots) {
        auto test_src = make_source(o, k);
        const int steps = learner->info().family == LearnerFamily::Baseline ? o.pretrain_steps : o.maml_steps;
        const auto e0 = Clock::now();
        const Score s = accuracy(*learner, *test_src, o.test_episodes, steps, o.seed * 104729 + 3);
        const double eval_s = std::chrono::duration<double>(Clock::now() - e0).count();
        const int tw = test_src->episodes().ways_for(Split::MetaTest);
        char line[512];
        std::snprintf(line, sizeof line,
                      "| %s | %s | %d-way %d-shot | %.1f%% ± %.1f | %d x %d episodes (%d-way %d-shot, %d queries) | "
                      "%.0f s | %.0f s |",
                      data_label(o.data).c_str(), name.c_str(), tw, k, 100 * s.mean,
                      100 * s.half_width, trains ? o.episodes : 0, batch, o.ways, o.shots, o.queries, train_s, eval_s);
        std::cout << line << std::endl;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "classification_results: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
