// metalab_torch_probe: what the PyTorch round-trip test (tests/torch/roundtrip_test.py)
// needs from MetaLab that the `metalab` tool does not print: the exact tasks
// `metalab eval` would sample, and a learner's raw predictions on given tasks.
// Everything goes through the same code as the tool (build_source from the
// CLI, load_learner, Learner::adapt), and is written as safetensors.
//
//   metalab_torch_probe tasks CKPT OUT [--tasks N] [--seed S] [--split train|validation|test]
//       OUT: "<i>.support_x", "<i>.support_y", "<i>.query_x", "<i>.query_y" for task i,
//            metadata "tasks" = N (eval::sample_tasks on the checkpoint's task.* settings)
//   metalab_torch_probe predict CKPT TASKS OUT [--steps S]
//       OUT: "<i>.pred.<s>" = the learner's query predictions (or logits) after s = 0..S
//            adaptation steps (one predictor for one-shot learners: s = 0 only)
//   metalab_torch_probe sequences CKPT IN OUT
//       memory networks: IN holds "<i>.x" [T, D] and "<i>.labels" [1, T]; OUT "<i>.logits"
//       [T, C] from MannLearner::predict_sequences (labels one step late, as in training)
// Errors: one line on stderr, exit status 1.
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/eval/evaluate.h"
#include "core/learners/mann.h"
#include "native/cli/common.h"

namespace {

using namespace metalab;

struct Args {
  std::vector<std::string> positional;
  int tasks = 10, steps = 0;
  std::uint64_t seed = 1;
  std::string split = "test";
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 2; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(s + " needs a value");
      return argv[++i];
    };
    if (s == "--tasks") a.tasks = std::stoi(value());
    else if (s == "--seed") a.seed = std::stoull(value());
    else if (s == "--steps") a.steps = std::stoi(value());
    else if (s == "--split") a.split = value();
    else if (s.rfind("--", 0) == 0) throw std::invalid_argument("unknown option " + s);
    else a.positional.push_back(s);
  }
  return a;
}

Split split_of(const std::string& s) {
  if (s == "train") return Split::MetaTrain;
  if (s == "validation") return Split::MetaValidation;
  if (s == "test") return Split::MetaTest;
  throw std::invalid_argument("--split must be train, validation or test, got " + s);
}

int tasks(const Args& a) {
  if (a.positional.size() != 2) throw std::invalid_argument("usage: tasks CKPT OUT [--tasks N] [--seed S] [--split X]");
  const Checkpoint ckpt = cli::read_checkpoint(a.positional[0], "checkpoint");
  const TaskOptions options = task_options_from_metadata(ckpt.metadata);
  const auto source = cli::build_source(options, get_metadata_or(ckpt, "data.csv", ""), "checkpoint " + ckpt.source);
  const std::vector<Task> list = eval::sample_tasks(*source, split_of(a.split), a.tasks, a.seed);
  Checkpoint out;
  out.metadata["tasks"] = std::to_string(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string p = std::to_string(i) + ".";
    out.add(p + "support_x", list[i].support_x);
    out.add(p + "support_y", list[i].support_y);
    out.add(p + "query_x", list[i].query_x);
    out.add(p + "query_y", list[i].query_y);
  }
  save_safetensors_file(a.positional[1], out);
  return 0;
}

Task task_at(const Checkpoint& file, std::size_t i) {
  const std::string p = std::to_string(i) + ".";
  Task t;
  t.support_x = get_tensor(file, p + "support_x").data;
  t.support_y = get_tensor(file, p + "support_y").data;
  t.query_x = get_tensor(file, p + "query_x").data;
  t.query_y = get_tensor(file, p + "query_y").data;
  return t;
}

int predict(const Args& a) {
  if (a.positional.size() != 3) throw std::invalid_argument("usage: predict CKPT TASKS OUT [--steps S]");
  const auto learner = load_learner(cli::read_checkpoint(a.positional[0], "checkpoint"));
  const Checkpoint in = cli::read_checkpoint(a.positional[1], "tasks");
  const std::size_t n = std::stoul(get_metadata(in, "tasks"));
  Checkpoint out;
  out.metadata["tasks"] = std::to_string(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Task t = task_at(in, i);
    const std::vector<Predictor> path = learner->adapt(t, a.steps);
    for (std::size_t s = 0; s < path.size(); ++s)
      out.add(std::to_string(i) + ".pred." + std::to_string(s), path[s](t.query_x));
  }
  save_safetensors_file(a.positional[2], out);
  return 0;
}

int sequences(const Args& a) {
  if (a.positional.size() != 3) throw std::invalid_argument("usage: sequences CKPT IN OUT");
  const auto learner = load_learner(cli::read_checkpoint(a.positional[0], "checkpoint"));
  const auto* mann = dynamic_cast<const MannLearner*>(learner.get());
  if (!mann) throw std::invalid_argument(a.positional[0] + " holds a '" + learner->kind() + "', not a memory network");
  const Checkpoint in = cli::read_checkpoint(a.positional[1], "sequences");
  const std::size_t n = std::stoul(get_metadata(in, "episodes"));
  std::vector<Matrix> xs;
  std::vector<std::vector<int>> labels;
  for (std::size_t i = 0; i < n; ++i) {
    xs.push_back(get_tensor(in, std::to_string(i) + ".x").data);
    const Matrix& l = get_tensor(in, std::to_string(i) + ".labels").data;
    std::vector<int> li;
    for (Eigen::Index k = 0; k < l.size(); ++k) li.push_back(static_cast<int>(l.data()[k]));
    labels.push_back(std::move(li));
  }
  const std::vector<Matrix> logits = mann->predict_sequences(xs, labels);
  Checkpoint out;
  out.metadata["episodes"] = std::to_string(n);
  for (std::size_t i = 0; i < n; ++i) out.add(std::to_string(i) + ".logits", logits[i]);
  save_safetensors_file(a.positional[2], out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2) throw std::invalid_argument("usage: metalab_torch_probe tasks|predict|sequences ...");
    const std::string command = argv[1];
    const Args a = parse(argc, argv);
    if (command == "tasks") return tasks(a);
    if (command == "predict") return predict(a);
    if (command == "sequences") return sequences(a);
    throw std::invalid_argument("unknown command '" + command + "' (expected tasks, predict or sequences)");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "metalab_torch_probe: error: %s\n", e.what());
    return 1;
  }
}
