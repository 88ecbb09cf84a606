// metalab inspect: look inside checkpoints, and compare the exact (second
// order) and first-order MAML meta-gradients of one task.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/learners/maml.h"
#include "native/cli/commands.h"
#include "native/cli/common.h"

namespace metalab::cli {

namespace {

struct InspectFlags {
  std::string checkpoint;
  std::string task_file;
  std::string out;
  std::string file;
};

// A JSON array of rows (or of numbers: one column) -> a matrix.
Matrix read_rows(const Json& j, const std::string& key, const std::string& file) {
  const std::string where = "--task " + file + ": '" + key + "'";
  const auto it = j.find(key);
  if (it == j.end()) throw CliError(where + " is missing (need support_x, support_y, query_x, query_y)");
  if (!it->is_array()) throw CliError(where + " must be an array of rows");
  const auto& rows = *it;
  if (rows.empty()) throw CliError(where + " is empty");
  const bool flat = !rows[0].is_array();
  const std::size_t cols = flat ? 1 : rows[0].size();
  if (cols == 0) throw CliError(where + ": row 0 is empty");
  Matrix m(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(cols));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Json& row = rows[r];
    if (flat == row.is_array())
      throw CliError(where + ": mixes numbers and rows (row " + std::to_string(r) + ")");
    if (!flat && row.size() != cols)
      throw CliError(where + ": row " + std::to_string(r) + " has " + std::to_string(row.size()) + " values, row 0 has " +
                     std::to_string(cols));
    for (std::size_t c = 0; c < cols; ++c) {
      const Json& v = flat ? row : row[c];
      if (!v.is_number()) throw CliError(where + ": row " + std::to_string(r) + " has a value that is not a number");
      const double d = v.get<double>();
      if (!std::isfinite(d) || std::fabs(d) > 3.4e38) throw CliError(where + ": row " + std::to_string(r) + " has a value out of float range");
      m(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = static_cast<float>(d);
    }
  }
  return m;
}

Task read_task(const std::string& file) {
  const Json j = read_json_file("--task", file);
  if (!j.is_object()) throw CliError("--task " + file + ": expected an object with support_x, support_y, query_x, query_y");
  Task t;
  t.support_x = read_rows(j, "support_x", file);
  t.support_y = read_rows(j, "support_y", file);
  t.query_x = read_rows(j, "query_x", file);
  t.query_y = read_rows(j, "query_y", file);
  if (t.support_x.rows() != t.support_y.rows())
    throw CliError("--task " + file + ": support_x has " + std::to_string(t.support_x.rows()) + " rows, support_y " +
                   std::to_string(t.support_y.rows()));
  if (t.query_x.rows() != t.query_y.rows())
    throw CliError("--task " + file + ": query_x has " + std::to_string(t.query_x.rows()) + " rows, query_y " +
                   std::to_string(t.query_y.rows()));
  return t;
}

// The checkpoint as a MAML-family learner: its own for maml/fomaml/metasgd/anil;
// for other learners, MAML at the same weights.
std::unique_ptr<GradientMetaLearner> as_gradient_learner(const Checkpoint& ckpt, const std::string& path) {
  std::unique_ptr<Learner> l;
  try {
    l = load_learner(ckpt);
  } catch (const FormatError& e) {
    throw CliError(e.what());
  } catch (const std::invalid_argument& e) {
    throw CliError("--checkpoint " + path + ": " + e.what());
  }
  if (auto* g = dynamic_cast<GradientMetaLearner*>(l.get())) {
    l.release();
    return std::unique_ptr<GradientMetaLearner>(g);
  }
  if (!l->model().config().classification) {
    LearnerConfig c = l->config();
    c.learner = "maml";
    c.first_order = false;
    std::unique_ptr<GradientMetaLearner> m(dynamic_cast<GradientMetaLearner*>(make_learner(c).release()));
    Checkpoint w;
    w.metadata = c.to_metadata();
    w.source = ckpt.source;
    const ParamsF& p = l->params();
    for (std::size_t i = 0; i < p.size(); ++i) w.add(p.name(i), p[i].value());
    w.add("optim.step", Matrix::Zero(1, 1));
    m->load(w);
    std::fprintf(stderr, "metalab inspect meta-gradient: note: %s holds a '%s' learner; computing MAML's meta-gradient "
                         "at its weights\n", path.c_str(), l->kind().c_str());
    return m;
  }
  throw CliError("--checkpoint " + path + ": a '" + l->kind() + "' learner has no MAML meta-gradient");
}

int run_meta_gradient(InspectFlags& f) {
  const Checkpoint ckpt = read_checkpoint(f.checkpoint, "--checkpoint");
  auto learner = as_gradient_learner(ckpt, f.checkpoint);
  const Task task = read_task(f.task_file);
  const ModelConfig& mc = learner->model().config();
  if (task.support_x.cols() != mc.input_dim || task.query_x.cols() != mc.input_dim)
    throw CliError("--task " + f.task_file + ": inputs have " + std::to_string(task.support_x.cols()) + " / " +
                   std::to_string(task.query_x.cols()) + " columns, the model of " + f.checkpoint + " takes " +
                   std::to_string(mc.input_dim));
  if (!mc.classification && (task.support_y.cols() != mc.output_dim || task.query_y.cols() != mc.output_dim))
    throw CliError("--task " + f.task_file + ": targets have " + std::to_string(task.support_y.cols()) +
                   " columns, the model of " + f.checkpoint + " predicts " + std::to_string(mc.output_dim));

  GradientMetaLearner::TaskGradient second, first;
  try {
    second = learner->task_gradient(task, false);
    first = learner->task_gradient(task, true);
  } catch (const std::invalid_argument& e) {
    throw CliError("--task " + f.task_file + ": " + e.what());
  }
  std::vector<std::string> names;
  for (std::size_t i = 0; i < learner->params().size(); ++i) names.push_back(learner->params().name(i));
  for (std::size_t i = 0; i < learner->step_sizes().size(); ++i) names.push_back(learner->step_sizes().name(i));

  Checkpoint out;
  double dot = 0, n2 = 0, n1 = 0;
  struct Row { std::string name; double n2, n1, cos; };
  std::vector<Row> rows;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const Matrix& a = second.grads[i].value();
    const Matrix& b = first.grads[i].value();
    if (!a.allFinite() || !b.allFinite())
      throw CliError("the meta-gradient of " + names[i] + " is not finite (NaN or infinity)");
    const double d = a.cast<double>().cwiseProduct(b.cast<double>()).sum();
    const double x = a.cast<double>().squaredNorm(), y = b.cast<double>().squaredNorm();
    dot += d;
    n2 += x;
    n1 += y;
    rows.push_back({names[i], std::sqrt(x), std::sqrt(y), (x > 0 && y > 0) ? d / std::sqrt(x * y) : NAN});
    out.add("second_order." + names[i], a);
  }
  for (std::size_t i = 0; i < names.size(); ++i) out.add("first_order." + names[i], first.grads[i].value());
  double cosine = (n1 > 0 && n2 > 0) ? dot / std::sqrt(n1 * n2) : NAN;
  if (cosine > 1.0) cosine = 1.0;
  if (cosine < -1.0) cosine = -1.0;
  out.metadata["format"] = "metalab-meta-gradient-1";
  out.metadata["checkpoint"] = f.checkpoint;
  out.metadata["learner"] = learner->kind();
  out.metadata["task_file"] = f.task_file;
  out.metadata["inner_steps"] = std::to_string(learner->config().inner_steps);
  out.metadata["inner_lr"] = format_exact(learner->config().inner_lr);
  out.metadata["support_loss"] = format_exact(second.support_loss);
  out.metadata["query_loss"] = format_exact(second.query_loss);
  out.metadata["second_order_norm"] = format_exact(std::sqrt(n2));
  out.metadata["first_order_norm"] = format_exact(std::sqrt(n1));
  out.metadata["cosine"] = std::isnan(cosine) ? "nan" : format_exact(cosine);
  try {
    save_safetensors_file(f.out, out);
  } catch (const std::exception& e) {
    throw CliError("--out " + f.out + ": " + e.what());
  }

  std::printf("meta-gradient of %s (%s, %d inner step%s of lr %g) on %s: %lld support, %lld query points\n",
              f.checkpoint.c_str(), learner->kind().c_str(), learner->config().inner_steps,
              learner->config().inner_steps == 1 ? "" : "s", static_cast<double>(learner->config().inner_lr),
              f.task_file.c_str(), static_cast<long long>(task.support_x.rows()),
              static_cast<long long>(task.query_x.rows()));
  std::printf("support loss before adaptation %.6g, query loss after %.6g\n", second.support_loss, second.query_loss);
  std::printf("%-28s %14s %14s %10s\n", "tensor", "second-order", "first-order", "cosine");
  for (const Row& r : rows) std::printf("%-28s %14.6g %14.6g %10.6f\n", r.name.c_str(), r.n2, r.n1, r.cos);
  std::printf("%-28s %14.6g %14.6g %10.6f\n", "total (L2 norm)", std::sqrt(n2), std::sqrt(n1), cosine);
  std::printf("cosine similarity %.6f; wrote %s (second_order.* and first_order.* tensors)\n", cosine, f.out.c_str());
  return kExitOk;
}

int run_show_checkpoint(InspectFlags& f) {
  const Checkpoint ckpt = read_checkpoint(f.file, "checkpoint");
  std::printf("%s\n", f.file.c_str());
  std::printf("metadata (%zu entries):\n", ckpt.metadata.size());
  std::size_t w = 0;
  for (const auto& [k, v] : ckpt.metadata) w = std::max(w, k.size());
  for (const auto& [k, v] : ckpt.metadata) std::printf("  %-*s  %s\n", static_cast<int>(w), k.c_str(), v.c_str());
  std::printf("tensors (%zu):\n", ckpt.tensors.size());
  w = 0;
  for (const auto& [name, t] : ckpt.tensors) w = std::max(w, name.size());
  long long total = 0, params = 0;
  for (const auto& [name, t] : ckpt.tensors) {
    const long long n = static_cast<long long>(t.data.size());
    total += n;
    if (name.rfind("optim.", 0) != 0) params += n;
    std::printf("  %-*s  %-4s %-12s %lld\n", static_cast<int>(w), name.c_str(), t.dtype.c_str(),
                format_shape(t.shape).c_str(), n);
  }
  std::printf("%lld values in all, %lld outside the optimizer state\n", total, params);
  return kExitOk;
}

int run_export(const std::string& in, const std::string& out) {
  const Checkpoint ckpt = read_checkpoint(in, "checkpoint");
  std::unique_ptr<Learner> learner;
  try {
    learner = load_learner(ckpt);
  } catch (const FormatError& e) {
    throw CliError(e.what());
  } catch (const std::invalid_argument& e) {
    throw CliError("checkpoint " + in + ": " + e.what());
  }
  Checkpoint small = learner->save();
  Checkpoint result;
  result.metadata = small.metadata;
  for (const auto& [k, v] : ckpt.metadata) {
    if (k.rfind("task.", 0) == 0 || k == "trainer.baselines" || k == "data.csv" || k == "created_by" ||
        k == "trainer.role")
      result.metadata[k] = v;
    // Baselines are expected to be exported next to it under the same scheme:
    // OUT.safetensors -> OUT.pretrain.safetensors.
    const std::string prefix = "trainer.baseline.";
    if (k.rfind(prefix, 0) == 0) result.metadata[k] = file_name(baseline_path(out, k.substr(prefix.size())));
  }
  result.metadata["exported"] = "weights and configuration only (no optimizer or training state)";
  for (auto& [name, t] : small.tensors) {
    if (name.rfind("optim.", 0) == 0) {
      // A step count of 0 tells the optimizer to start afresh; other state is dropped.
      if (name == "optim.step") result.add(name, t.shape, Matrix::Zero(t.data.rows(), t.data.cols()));
      continue;
    }
    result.add(name, t.shape, t.data);
  }
  try {
    save_safetensors_file(out, result);
    load_learner(load_safetensors_file(out));  // the page must be able to load it
  } catch (const std::exception& e) {
    throw CliError("export to " + out + ": " + e.what());
  }
  std::printf("wrote %s: %s weights at iteration %ld, %zu tensors\n", out.c_str(), learner->kind().c_str(),
              learner->iteration(), result.tensors.size());
  return kExitOk;
}

}  // namespace

Runner register_export(CLI::App& root) {
  auto in = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  CLI::App* app = root.add_subcommand(
      "export", "write a small copy of a checkpoint for the page: weights, learner config and task description, "
                "without optimizer and training state (it cannot be resumed)");
  app->add_option("checkpoint", *in, "the checkpoint to copy")->required();
  app->add_option("out", *out, "the output safetensors file")->required();
  return [in, out] { return run_export(*in, *out); };
}

Runner register_inspect(CLI::App& root) {
  auto f = std::make_shared<InspectFlags>();
  CLI::App* app = root.add_subcommand("inspect", "look inside checkpoints and meta-gradients");
  app->require_subcommand(1);
  CLI::App* mg = app->add_subcommand(
      "meta-gradient", "the exact (second-order) and first-order MAML meta-gradients of one task at a checkpoint's "
                       "weights: writes both, prints their norms and cosine similarity");
  mg->option_defaults()->always_capture_default()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  mg->add_option("--checkpoint", f->checkpoint, "checkpoint (MAML family; other learners: MAML at their weights)")
      ->required();
  mg->add_option("--task", f->task_file, "task JSON: {\"support_x\": [[x], ...], \"support_y\": [[y], ...], "
                                         "\"query_x\": ..., \"query_y\": ...} (rows; a flat list is one column)")
      ->required();
  mg->add_option("--out", f->out, "output safetensors: second_order.<param> and first_order.<param> tensors")
      ->required();
  CLI::App* ck = app->add_subcommand("checkpoint", "print a checkpoint's metadata and tensor shapes");
  ck->add_option("file", f->file, "the safetensors file")->required();
  return [app, mg, ck, f] {
    if (mg->parsed()) return run_meta_gradient(*f);
    if (ck->parsed()) return run_show_checkpoint(*f);
    return kExitUsage;
  };
}

}  // namespace metalab::cli
