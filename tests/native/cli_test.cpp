// The `metalab` binary end to end: errors are one clear line with a non-zero
// exit, training is bit-identical across thread counts and across a resume
// (up to rounding when threads split one episode's matrix products), image
// folders and gzipped IDX files train end to end,
// train -> eval round trips, and inspect writes both meta-gradients.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/io/safetensors.h"
#include "tests/support/png_fixture.h"

#ifndef METALAB_CLI
#error "METALAB_CLI (path of the metalab binary) must be defined by the build"
#endif

namespace {

struct Result {
  int code = -1;
  std::string out, err;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "metalab_cli_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  Result run(const std::string& args) const {
    const std::string out = path("stdout.txt"), err = path("stderr.txt");
    const std::string cmd = "cd '" + dir_ + "' && '" METALAB_CLI "' " + args + " > '" + out + "' 2> '" + err + "' < /dev/null";
    const int status = std::system(cmd.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
  }

  // An error: non-zero exit, one line on stderr that mentions `needle`.
  void expect_error(const std::string& args, const std::string& needle, int code = 1) const {
    const Result r = run(args);
    EXPECT_EQ(r.code, code) << args << "\nstderr: " << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << args << "\nstderr: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
    EXPECT_EQ(r.err.find("terminate"), std::string::npos) << r.err;
  }

  std::string train(const std::string& name, const std::string& extra) const {
    const Result r = run("train --hidden 8,8 --meta-batch 4 --iterations 10 --val-every 0 --progress none --out " +
                         name + " " + extra);
    EXPECT_EQ(r.code, 0) << r.err;
    return path(name);
  }

  std::string dir_;
};

void expect_same_tensors(const std::string& a, const std::string& b) {
  const metalab::Checkpoint x = metalab::load_safetensors_file(a), y = metalab::load_safetensors_file(b);
  ASSERT_EQ(x.tensors.size(), y.tensors.size());
  for (std::size_t i = 0; i < x.tensors.size(); ++i) {
    EXPECT_EQ(x.tensors[i].first, y.tensors[i].first);
    EXPECT_EQ(x.tensors[i].second.data, y.tensors[i].second.data) << x.tensors[i].first;
  }
  EXPECT_EQ(x.metadata.at("iteration"), y.metadata.at("iteration"));
  EXPECT_EQ(x.metadata.at("trainer.rng"), y.metadata.at("trainer.rng"));
}

// Equal up to float rounding: every weight within 1e-4 (relative above 1).
void expect_close_tensors(const std::string& a, const std::string& b) {
  const metalab::Checkpoint x = metalab::load_safetensors_file(a), y = metalab::load_safetensors_file(b);
  ASSERT_EQ(x.tensors.size(), y.tensors.size());
  for (std::size_t i = 0; i < x.tensors.size(); ++i) {
    const auto &u = x.tensors[i].second.data, &v = y.tensors[i].second.data;
    ASSERT_EQ(u.size(), v.size()) << x.tensors[i].first;
    for (Eigen::Index j = 0; j < u.size(); ++j)
      ASSERT_LE(std::abs(u(j) - v(j)), 1e-4 * std::max(1.0f, std::abs(u(j)))) << x.tensors[i].first << "[" << j << "]";
  }
  EXPECT_EQ(x.metadata.at("trainer.rng"), y.metadata.at("trainer.rng"));  // the same episodes were drawn
}

TEST_F(Cli, HelpListsEveryFlagWithItsDefault) {
  for (const std::string sub : {"train", "eval", "inspect meta-gradient", "inspect checkpoint", "export"}) {
    const Result r = run(sub + " --help");
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub;
  }
  const Result t = run("train --help");
  for (const std::string s : {"--inner-lr", "(default: 0.01)", "--meta-batch", "(default: 25)", "--threads",
                              "--resume", "--with-baselines", "--metrics", "--config", "--csv", "--landmarks"})
    EXPECT_NE(t.out.find(s), std::string::npos) << s;
}

TEST_F(Cli, BadFlagsAreOneLineUsageErrors) {
  expect_error("train --bogus 3", "--bogus", 2);
  expect_error("train --inner-lr abc", "--inner-lr", 2);
  expect_error("train --inner-lr -1", "--inner-lr", 2);
  expect_error("train --learner nope", "--learner", 2);
  expect_error("frobnicate", "frobnicate", 2);
  expect_error("train --hidden 40,x --iterations 1", "--hidden");
  expect_error("train --landmarks 5 --iterations 1", "--landmarks");
}

TEST_F(Cli, MissingAndBrokenFilesNameTheFile) {
  expect_error("eval nowhere.safetensors", "nowhere.safetensors");
  expect_error("inspect checkpoint nowhere.safetensors", "nowhere.safetensors");
  expect_error("train --resume gone.safetensors", "gone.safetensors");
  expect_error("train --task genes --csv missing.csv --iterations 1", "missing.csv");
  expect_error("train --task genes --iterations 1", "--csv");
  // A truncated checkpoint.
  const std::string ckpt = train("ok.safetensors", "");
  const std::string bytes = read_file(ckpt);
  write_file(path("cut.safetensors"), bytes.substr(0, bytes.size() / 2));
  expect_error("eval cut.safetensors", "cut.safetensors");
  write_file(path("tiny.safetensors"), "abc");
  expect_error("inspect checkpoint tiny.safetensors", "tiny.safetensors");
  // Not writable.
  expect_error("train --iterations 1 --out no/such/dir/x.safetensors", "no/such/dir/x.safetensors");
}

TEST_F(Cli, MalformedCsvNamesFileAndLine) {
  write_file(path("bad.csv"), "tissue,G1,G2,G3\nliver,1,2,3\nkidney,4,5\n");
  expect_error("train --task genes --csv bad.csv --iterations 1", "bad.csv");
  write_file(path("text.csv"), "tissue,G1,G2,G3\nliver,1,2,3\nkidney,4,five,6\n");
  expect_error("train --task genes --csv text.csv --iterations 1", "five");
}

TEST_F(Cli, InconsistentSettingsAreErrors) {
  // 12 samples cannot hold K = 10 support + 10 query rows.
  std::ostringstream csv;
  csv << "tissue";
  for (int g = 0; g < 30; ++g) csv << ",G" << g;
  csv << "\n";
  for (int s = 0; s < 12; ++s) {
    csv << "t" << s;
    for (int g = 0; g < 30; ++g) csv << "," << (s * 7 + g * 3) % 13;
    csv << "\n";
  }
  write_file(path("small.csv"), csv.str());
  expect_error("train --task genes --csv small.csv --landmarks 5 --iterations 1", "exceeds");
  // A checkpoint used for another task.
  train("sin.safetensors", "");
  expect_error("eval sin.safetensors --task promoter", "sinusoid");
  expect_error("train --resume sin.safetensors --inner-lr 0.1 --iterations 20", "--inner-lr");
  expect_error("train --learner pretrain --with-baselines --iterations 1", "--with-baselines");
}

TEST_F(Cli, JsonConfigFileWithOverridesAndErrors) {
  write_file(path("cfg.json"),
             R"({"learner": "fomaml", "hidden": [8, 8], "meta_batch": 3, "iterations": 4, "val-every": 0,
                 "progress": "none", "first_order": true})");
  Result r = run("train --config cfg.json --iterations 6 --out c.safetensors");
  ASSERT_EQ(r.code, 0) << r.err;
  const metalab::Checkpoint c = metalab::load_safetensors_file(path("c.safetensors"));
  EXPECT_EQ(c.metadata.at("learner"), "fomaml");
  EXPECT_EQ(c.metadata.at("meta_batch"), "3");
  EXPECT_EQ(c.metadata.at("model.hidden"), "8,8");
  EXPECT_EQ(c.metadata.at("iteration"), "6");  // the flag wins over the file
  EXPECT_EQ(c.metadata.at("first_order"), "true");

  write_file(path("unknown.json"), R"({"inner_lrr": 0.1})");
  expect_error("train --config unknown.json", "inner_lrr");
  write_file(path("broken.json"), R"({"inner_lr": 0.1,)");
  expect_error("train --config broken.json", "broken.json");
  write_file(path("wrong.json"), R"({"inner_lr": "fast"})");
  expect_error("train --config wrong.json", "inner_lr");
  expect_error("train --config absent.json", "absent.json");
}

TEST_F(Cli, OneAndTwoThreadsGiveIdenticalWeights) {
  for (const std::string learner : {"maml", "metasgd"}) {
    SCOPED_TRACE(learner);
    const std::string a = train(learner + "1.safetensors", "--learner " + learner + " --threads 1 --with-baselines");
    const std::string b = train(learner + "2.safetensors", "--learner " + learner + " --threads 2 --with-baselines");
    expect_same_tensors(a, b);
    expect_same_tensors(path(learner + "1.pretrain.safetensors"), path(learner + "2.pretrain.safetensors"));
  }
}

TEST_F(Cli, ResumeEqualsUninterruptedTraining) {
  const std::string common = "--hidden 8,8 --meta-batch 4 --val-every 5 --val-tasks 3 --progress none --with-baselines";
  ASSERT_EQ(run("train " + common + " --iterations 20 --out full.safetensors --metrics full.jsonl").code, 0);
  ASSERT_EQ(run("train " + common + " --iterations 12 --out part.safetensors --metrics part.jsonl").code, 0);
  const Result r = run("train --resume part.safetensors --iterations 20 --progress none --metrics part.jsonl");
  ASSERT_EQ(r.code, 0) << r.err;
  expect_same_tensors(path("full.safetensors"), path("part.safetensors"));
  expect_same_tensors(path("full.pretrain.safetensors"), path("part.pretrain.safetensors"));
  // The metrics file continues: one line per iteration, 1..20, with validation every 5.
  std::istringstream lines(read_file(path("part.jsonl")));
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    ++n;
    EXPECT_EQ(j.at("iteration").get<int>(), n);
    for (const char* key : {"loss", "support_loss", "grad_norm", "elapsed", "pretrain_loss"})
      EXPECT_TRUE(j.at(key).is_number()) << key;
    EXPECT_EQ(j.at("val_loss").is_number(), n % 5 == 0) << line;
  }
  EXPECT_EQ(n, 20);
  // Checkpoints taken mid-run resume to the same result too.
  ASSERT_EQ(run("train " + common + " --iterations 20 --checkpoint-every 7 --out mid.safetensors").code, 0);
}

TEST_F(Cli, DivergenceIsOneLineWithTheIteration) {
  const Result r = run("train --hidden 8,8 --meta-batch 4 --iterations 50 --inner-lr 1e6 --progress none --out d.safetensors");
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("iteration"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(Cli, TrainThenEvalRoundTrip) {
  const Result t = run("train --hidden 16,16 --iterations 40 --val-every 20 --val-tasks 5 --with-baselines "
                       "--progress lines --log-every 20 --out rt.safetensors");
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.out.find("iteration 20/40"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("val "), std::string::npos) << t.out;
  const Result e = run("eval rt.safetensors --tasks 20 --steps 3 --json --threads 2");
  ASSERT_EQ(e.code, 0) << e.err;
  const auto j = nlohmann::json::parse(e.out);
  EXPECT_EQ(j.at("tasks").get<int>(), 20);
  EXPECT_EQ(j.at("split").get<std::string>(), "meta-test");
  const auto& learners = j.at("learners");
  ASSERT_EQ(learners.size(), 3u);
  EXPECT_EQ(learners[0].at("learner"), "maml");
  EXPECT_EQ(learners[1].at("learner"), "pretrain");
  EXPECT_EQ(learners[2].at("learner"), "scratch");
  for (const auto& l : learners) {
    ASSERT_EQ(l.at("loss").size(), 4u);
    for (const auto& s : l.at("loss")) {
      EXPECT_TRUE(std::isfinite(s.at("mean").get<double>()));
      EXPECT_LE(s.at("ci_low").get<double>(), s.at("mean").get<double>());
      EXPECT_GE(s.at("ci_high").get<double>(), s.at("mean").get<double>());
    }
  }
  // The table, and the same numbers with 1 thread.
  const Result table = run("eval rt.safetensors --tasks 20 --steps 3");
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("maml"), std::string::npos);
  EXPECT_NE(table.out.find("pretrain"), std::string::npos);
  EXPECT_NE(table.out.find("scratch"), std::string::npos);
  const auto one = nlohmann::json::parse(run("eval rt.safetensors --tasks 20 --steps 3 --json").out);
  EXPECT_EQ(one.at("learners"), j.at("learners"));
  // Export: small, loadable, still evaluates.
  ASSERT_EQ(run("export rt.safetensors small.safetensors").code, 0);
  EXPECT_EQ(run("eval small.safetensors --tasks 5 --steps 1 --no-baselines").code, 0);
  const metalab::Checkpoint small = metalab::load_safetensors_file(path("small.safetensors"));
  EXPECT_EQ(metalab::find_tensor(small, "optim.m.layer0.weight"), nullptr);
  const Result shown = run("inspect checkpoint rt.safetensors");
  ASSERT_EQ(shown.code, 0);
  EXPECT_NE(shown.out.find("layer0.weight"), std::string::npos);
  EXPECT_NE(shown.out.find("task.name"), std::string::npos);
}

TEST_F(Cli, InspectMetaGradientWritesBothGradients) {
  train("mg.safetensors", "--hidden 8,8");
  write_file(path("task.json"), R"({"support_x": [[-2.0], [-1.0], [0.5], [3.0]], "support_y": [[1.0], [0.2], [-0.4], [0.9]],
                                   "query_x": [-1.5, 0.0, 2.0], "query_y": [0.7, 0.1, -0.3]})");
  const Result r = run("inspect meta-gradient --checkpoint mg.safetensors --task task.json --out grads.safetensors");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("cosine"), std::string::npos);
  const metalab::Checkpoint g = metalab::load_safetensors_file(path("grads.safetensors"));
  double dot = 0, a2 = 0, b2 = 0;
  for (const std::string p : {"layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias", "layer2.weight",
                              "layer2.bias"}) {
    const auto* a = metalab::find_tensor(g, "second_order." + p);
    const auto* b = metalab::find_tensor(g, "first_order." + p);
    ASSERT_NE(a, nullptr) << p;
    ASSERT_NE(b, nullptr) << p;
    EXPECT_EQ(a->shape, b->shape);
    dot += a->data.cast<double>().cwiseProduct(b->data.cast<double>()).sum();
    a2 += a->data.cast<double>().squaredNorm();
    b2 += b->data.cast<double>().squaredNorm();
  }
  const double cosine = dot / std::sqrt(a2 * b2);
  EXPECT_GT(cosine, -1.0);
  EXPECT_LE(cosine, 1.0);
  EXPECT_NEAR(std::stod(g.metadata.at("cosine")), cosine, 1e-6);
  EXPECT_GT(a2, 0.0);
  // The two differ: the second-order terms are not zero for a ReLU net with one inner step.
  EXPECT_LT(cosine, 1.0 - 1e-9);

  write_file(path("wide.json"), R"({"support_x": [[1, 2]], "support_y": [[1]], "query_x": [[1, 2]], "query_y": [[1]]})");
  expect_error("inspect meta-gradient --checkpoint mg.safetensors --task wide.json --out x.safetensors", "wide.json");
  write_file(path("partial.json"), R"({"support_x": [[1]], "support_y": [[1]]})");
  expect_error("inspect meta-gradient --checkpoint mg.safetensors --task partial.json --out x.safetensors", "query_x");
  write_file(path("ragged.json"), R"({"support_x": [[1], [2, 3]], "support_y": [[1], [2]], "query_x": [[1]], "query_y": [[1]]})");
  expect_error("inspect meta-gradient --checkpoint mg.safetensors --task ragged.json --out x.safetensors", "row 1");
  expect_error("inspect meta-gradient --checkpoint mg.safetensors --task nope.json --out x.safetensors", "nope.json");
}

}  // namespace

// Few-shot classification: a tiny glyph ProtoNet trains, and eval reports the
// query accuracy with its interval on test episodes of other ways and shots.
TEST_F(Cli, GlyphProtonetTrainThenEvalAccuracy) {
  const std::string ckpt =
      train("proto.safetensors", "--learner protonet --task glyphs --image-size 8 --backbone mlp --task-option "
                                 "glyph_classes=40 --ways 3 --shots 1 --queries 2 --test-ways 2 --test-shots 2");
  const Result r = run("eval " + ckpt + " --tasks 50 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["quantity"], "accuracy");
  EXPECT_EQ(j["task"]["name"], "glyphs");
  EXPECT_EQ(j["task"]["test_ways"], "2");
  ASSERT_EQ(j["learners"].size(), 1u);  // no scratch baseline for a one-shot learner
  const auto& m = j["learners"][0]["metric"][0];
  EXPECT_EQ(m["n"], 50);
  EXPECT_GE(m["mean"].get<double>(), 0.0);
  EXPECT_LE(m["mean"].get<double>(), 1.0);
  EXPECT_GT(m["half_width"].get<double>(), 0.0);
  const Result table = run("eval " + ckpt + " --tasks 20");
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("2-way 2-shot"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("query accuracy"), std::string::npos) << table.out;
}

TEST_F(Cli, ClassificationCsvErrorsNameTheColumnAndFile) {
  write_file(path("t.csv"), "a,b,kind\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n");
  // The columns there are, and which of them hold text (label candidates).
  expect_error("train --task csv --csv t.csv --label-column tissue --learner protonet",
               "--label-column tissue: t.csv: no column named 'tissue' (columns: 'a', 'b', 'kind'); columns that hold "
               "text: kind");
  expect_error("train --task csv --csv t.csv --learner protonet", "--label-column");
  expect_error("train --task glyphs --support 5", "--support does not apply to --task glyphs");
  expect_error("train --task sinusoid --learner protonet", "--learner protonet needs few-shot classification");
  expect_error("train --task glyphs --learner mann", "use --task glyph-sequences");
}

// MAML on a table's rows: N-way heads, a scratch baseline, accuracy at 0..S steps.
TEST_F(Cli, CsvMamlClassificationRoundTrip) {
  std::string csv = "f1,f2,label\n";
  for (int c = 0; c < 6; ++c)
    for (int i = 0; i < 6; ++i) csv += std::to_string(c) + "," + std::to_string(i % 3 + c) + ",c" + std::to_string(c) + "\n";
  write_file(path("six.csv"), csv);
  const std::string ckpt = train("m.safetensors", "--learner maml --task csv --csv six.csv --label-column label "
                                                  "--ways 2 --shots 2 --queries 2 --task-option train_fraction=0.5");
  const Result r = run("eval " + ckpt + " --tasks 30 --steps 2 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["quantity"], "accuracy");
  ASSERT_EQ(j["learners"].size(), 2u);  // maml and scratch
  EXPECT_EQ(j["learners"][1]["name"], "scratch");
  EXPECT_EQ(j["learners"][0]["metric"].size(), 3u);
}

namespace {

// The bar image of class c, drawing i: a bright horizontal bar at rows
// 2c..2c+1 (the class) with one dim pixel whose position varies (the drawing).
std::string bar_png(int size, int c, int i) {
  return metalab::test::png(size, size, 1, [&](int y, int x, int) {
    if (y / 2 == c) return static_cast<unsigned char>(230);
    return static_cast<unsigned char>(y == (c + 3 + i) % size && x == i ? 90 : 10);
  });
}

// The bytes of an IDX file: magic 0x0000 08 ndims, big-endian sizes, then the bytes.
std::string idx_bytes(const std::vector<int>& dims, const std::vector<unsigned char>& data) {
  std::string out{0, 0, 8, static_cast<char>(dims.size())};
  for (int d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((d >> shift) & 0xff));
  out.append(data.begin(), data.end());
  return out;
}

std::string gzip_bytes(const std::string& raw) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, raw.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

double mean_accuracy(const std::string& eval_json) {
  const auto j = nlohmann::json::parse(eval_json);
  EXPECT_EQ(j["quantity"], "accuracy");
  return j["learners"][0]["metric"].back()["mean"].get<double>();
}

}  // namespace

// An image folder end to end with the Conv4 backbone: PNGs of 8 classes (a bar
// whose row names the class), ProtoNet trained with one and with two threads
// (one episode per step, so the second thread works inside the convolutions'
// matrix products, whose blocking and so rounding depend on the thread count)
// gives the same weights up to rounding; eval tells the held-out classes
// apart; a file that is not an image is named in a one-line error.
TEST_F(Cli, ImageFolderConv4ProtonetTrainsOnTwoThreadsAndLearns) {
  namespace fs = std::filesystem;
  for (int c = 0; c < 8; ++c) {
    const std::string dir = path("img/class" + std::to_string(c));
    fs::create_directories(dir);
    for (int i = 0; i < 5; ++i) write_file(dir + "/" + std::to_string(i) + ".png", bar_png(16, c, i));
  }
  const std::string common =
      "train --learner protonet --task images --images img --image-size 16 --backbone conv4 --ways 2 --shots 1 "
      "--queries 2 --task-option train_fraction=0.5 --iterations 6 --val-every 0 --progress none ";
  const Result one = run(common + "--threads 1 --out one.safetensors");
  ASSERT_EQ(one.code, 0) << one.err;
  const Result two = run(common + "--threads 2 --out two.safetensors");
  ASSERT_EQ(two.code, 0) << two.err;
  expect_close_tensors(path("one.safetensors"), path("two.safetensors"));

  const Result e = run("eval one.safetensors --tasks 40 --json");
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_GT(mean_accuracy(e.out), 0.8) << e.out;  // chance is 0.5; the bars are far apart

  write_file(path("img/class3/notes.png"), "these are not pixels");
  expect_error(common + "--out bad.safetensors", "notes.png");
  expect_error("train --learner protonet --task images --images nowhere --progress none", "nowhere");
}

// IDX files (the MNIST / Fashion-MNIST format), gzip-compressed as Debian ships
// them: train, eval, and a truncated file named in the error.
TEST_F(Cli, GzippedIdxFilesTrainAndEvalAndTruncationIsNamed) {
  const int n_classes = 6, per_class = 6, size = 12;
  std::vector<unsigned char> pixels, labels;
  for (int c = 0; c < n_classes; ++c)
    for (int i = 0; i < per_class; ++i) {
      for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) pixels.push_back(y / 2 == c ? 230 : (x == i && y == (c + 5) % size ? 90 : 10));
      labels.push_back(static_cast<unsigned char>(c));
    }
  const std::string images = idx_bytes({n_classes * per_class, size, size}, pixels);
  write_file(path("images-idx3-ubyte.gz"), gzip_bytes(images));
  write_file(path("labels-idx1-ubyte.gz"), gzip_bytes(idx_bytes({n_classes * per_class}, labels)));
  const std::string common =
      "train --learner protonet --task idx --idx-images images-idx3-ubyte.gz --idx-labels labels-idx1-ubyte.gz "
      "--backbone mlp --ways 2 --shots 1 --queries 2 --task-option train_fraction=0.5 --hidden 16 --iterations 5 "
      "--val-every 0 "
      "--progress none ";
  const Result r = run(common + "--out idx.safetensors");
  ASSERT_EQ(r.code, 0) << r.err;
  const Result e = run("eval idx.safetensors --tasks 30 --json");
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_GT(mean_accuracy(e.out), 0.8) << e.out;

  write_file(path("cut-idx3-ubyte.gz"), gzip_bytes(images.substr(0, images.size() - 7)));
  expect_error("train --learner protonet --task idx --idx-images cut-idx3-ubyte.gz --idx-labels labels-idx1-ubyte.gz "
               "--progress none",
               "cut-idx3-ubyte.gz");
  write_file(path("broken.gz"), "\x1f\x8b not really gzip");
  expect_error("train --learner protonet --task idx --idx-images broken.gz --idx-labels labels-idx1-ubyte.gz "
               "--progress none",
               "broken.gz");
}

// ---- A researcher's own table (issue 12): each case failed before it was fixed ----

namespace {

// A table of `classes` classes ("k0".."k11"), `per` rows each, two informative
// features (the class, plus small noise), then `rare` features that are
// non-zero (5) in exactly one row each, like genes seen in one cell.
std::string own_table(int classes, int per, int rare, bool r_row_names) {
  std::string csv = r_row_names ? "\"\"," : "";
  csv += "f1,f2";
  for (int j = 0; j < rare; ++j) csv += ",r" + std::to_string(j);
  csv += ",class\n";
  int row = 0;
  for (int c = 0; c < classes; ++c)
    for (int i = 0; i < per; ++i, ++row) {
      if (r_row_names) csv += "\"" + std::to_string(row + 1) + "\",";
      csv += std::to_string(3 * c) + "." + std::to_string(i % 3) + "," + std::to_string(2 * c + (i % 2));
      for (int j = 0; j < rare; ++j) csv += j == row % std::max(1, rare) && row < rare ? ",5" : ",0";
      csv += ",k" + std::to_string(c) + "\n";
    }
  return csv;
}

}  // namespace

// 1: a metric learner, nearest neighbour and pretrain evaluate on more ways
// than they were trained on; a fixed 3-way head says which flag to change.
TEST_F(Cli, OwnTableEvalOnMoreWaysThanTraining) {
  write_file(path("t.csv"), own_table(12, 8, 0, false));
  const std::string common = " --task csv --csv t.csv --label-column class --ways 3 --shots 1 --queries 3 ";
  for (const char* learner : {"protonet", "nearest", "pretrain"}) {
    const std::string ckpt = train(std::string(learner) + ".safetensors", std::string("--learner ") + learner + common);
    const Result r = run("eval " + ckpt + " --test-ways 4 --tasks 20 --steps 1 --json --no-scratch");
    ASSERT_EQ(r.code, 0) << learner << ": " << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["task"]["test_ways"], "4") << learner;
  }
  const std::string maml = train("maml.safetensors", "--learner maml" + common);
  expect_error("eval " + maml + " --test-ways 4 --tasks 5", "its output layer scores 3 classes, these episodes are "
                                                            "4-way: give --test-ways 3 or less");
}

// 2: beside a one-shot learner, the pretrain baseline is still fine-tuned
// (its steps are reported), not scored at 0 steps, where it is at chance.
TEST_F(Cli, OwnTablePretrainBaselineIsFineTunedBesideAOneShotLearner) {
  write_file(path("t.csv"), own_table(12, 8, 0, false));
  const std::string common = " --task csv --csv t.csv --label-column class --ways 3 --queries 3 --iterations 30 ";
  const std::string proto = train("p.safetensors", "--learner protonet" + common);
  const std::string pre = train("pre.safetensors", "--learner pretrain" + common);
  const Result r = run("eval " + proto + " --baseline " + pre + " --tasks 40 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["learners"].size(), 2u);
  const auto& metric = j["learners"][1]["metric"];
  ASSERT_EQ(metric.size(), 11u);  // 0..10 fine-tuning steps
  EXPECT_NEAR(metric[0]["mean"].get<double>(), 1.0 / 3.0, 1e-6);  // a new zero head: chance
  EXPECT_GT(metric[10]["mean"].get<double>(), 0.6);
}

// 3: standardize is documented (the floor itself: tests/tasks/episodes_test.cpp).
TEST_F(Cli, OwnTableStandardizeIsDocumented) {
  const Result h = run("train --help");
  EXPECT_NE(h.out.find("standardize=true"), std::string::npos);
  EXPECT_NE(h.out.find("near-constant"), std::string::npos);
}

// 4: settings with a flag, and what a checkpoint records, are not task options.
TEST_F(Cli, OwnTableTaskOptionsRefuseFlagsAndRecordedKeys) {
  write_file(path("t.csv"), own_table(12, 8, 0, false));
  const std::string base = "train --learner protonet --task csv --csv t.csv --label-column class ";
  expect_error(base + "--task-option label=f1", "use --label-column");
  expect_error(base + "--task-option rows=100", "rows is read from the table");
  expect_error(base + "--task-option ways=3", "use --ways");
}

// 5: R's write.csv row names are not a feature, and the user is told.
TEST_F(Cli, OwnTableRRowNamesAreNotAFeature) {
  write_file(path("t.csv"), own_table(12, 8, 0, true));
  const Result t = run("train --learner nearest --task csv --csv t.csv --label-column class --ways 3 --queries 3 "
                       "--out n.safetensors");
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.out.find("the first column has no name (row names"), std::string::npos) << t.out;
  EXPECT_EQ(metalab::load_safetensors_file(path("n.safetensors")).metadata.at("task.features"), "2");
}

// 6: eval finds the table from another folder; a moved table is named with
// where its path came from and the flag that overrides it.
TEST_F(Cli, OwnTableEvalFromAnotherFolderAndAMovedTable) {
  write_file(path("t.csv"), own_table(12, 8, 0, false));
  train("p.safetensors", "--learner protonet --task csv --csv t.csv --label-column class --ways 3 --queries 3");
  std::filesystem::create_directory(path("elsewhere"));
  EXPECT_EQ(run("eval p.safetensors --tasks 5 && cd elsewhere && '" METALAB_CLI "' eval ../p.safetensors --tasks 5").code, 0);
  std::filesystem::rename(path("t.csv"), path("moved.csv"));
  expect_error("eval p.safetensors --tasks 5", "recorded in the checkpoint as data.csv), which cannot be opened from "
                                               "here: give the table with --csv FILE");
  EXPECT_EQ(run("eval p.safetensors --tasks 5 --csv moved.csv").code, 0);
}

// 7 and 9: the class split by name at train time and in inspect; validation
// off by default for tables, said and explained.
TEST_F(Cli, OwnTableClassSplitAndValidationAreShown) {
  write_file(path("t.csv"), own_table(12, 8, 0, false));
  const Result t = run("train --learner protonet --task csv --csv t.csv --label-column class --ways 3 --queries 3 "
                       "--iterations 5 --progress none --out p.safetensors");
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.out.find("meta-test classes ("), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("note: no validation"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("validation_fraction=0.2"), std::string::npos) << t.out;
  const Result i = run("inspect checkpoint p.safetensors");
  ASSERT_EQ(i.code, 0) << i.err;
  EXPECT_NE(i.out.find("class split:"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("k"), std::string::npos);
  expect_error("eval p.safetensors --split validation --tasks 5", "validation_fraction");
}

// 8: the banner describes what each learner trains; nearest trains nothing
// and writes its checkpoint at once, with no NaN losses.
TEST_F(Cli, OwnTableBannerDescribesEachLearner) {
  write_file(path("t.csv"), own_table(12, 8, 0, false));
  const std::string common = " --task csv --csv t.csv --label-column class --ways 3 --queries 3 --iterations 5 "
                             "--progress lines --log-every 1 ";
  const Result n = run("train --learner nearest" + common + "--out n.safetensors");
  ASSERT_EQ(n.code, 0) << n.err;
  EXPECT_NE(n.out.find("nothing to meta-train"), std::string::npos) << n.out;
  EXPECT_EQ(n.out.find("nan"), std::string::npos) << n.out;
  const Result p = run("train --learner protonet" + common + "--hidden 8 --out p.safetensors");
  EXPECT_NE(p.out.find("2-8 relu embedding"), std::string::npos) << p.out;
  EXPECT_EQ(p.out.find("inner lr"), std::string::npos) << p.out;
  const Result pre = run("train --learner pretrain" + common + "--hidden 8 --out pre.safetensors");
  // 60% of 12 classes pooled: the head scores 7 of them.
  EXPECT_NE(pre.out.find("model 2-8-7 relu over the 7 meta-train classes pooled"), std::string::npos) << pre.out;
}

// 10: eval's help lists the checkpoint once, as a positional, without train's
// task defaults; a missing checkpoint points to eval's help.
TEST_F(Cli, EvalHelpAndMissingCheckpoint) {
  const Result h = run("eval --help");
  EXPECT_EQ(h.out.find("--checkpoint"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("checkpoint TEXT REQUIRED"), std::string::npos) << h.out;
  EXPECT_EQ(h.out.find("default: sinusoid"), std::string::npos) << h.out;
  expect_error("eval", "see 'metalab eval --help'", 2);
}

// ---- The biomedical families from the command line (issue 17) ----

namespace {
const std::string kData = std::string(METALAB_SOURCE_DIR) + "/assets/data/";
}  // namespace

// Each family trains and evaluates from its shipped files with the flags
// --help names; the backbone follows the inputs (conv1d for residue windows,
// conv4 for MRI patches, the MLP for cells).
TEST_F(Cli, BiomedicalTasksTrainAndEvalFromTheirFiles) {
  const std::vector<std::pair<std::string, std::string>> tasks{
      {"protein-families --fasta " + kData + "protein_families.fasta --task-option length=32", "conv1d"},
      {"protein-ss --csv " + kData + "transducin_ss.csv", "conv1d 3 blocks over 15 x 20"},
      {"mri-regions --t1 " + kData + "colin27_t1_2mm.nii --atlas " + kData + "colin27_aal_2mm.nii --atlas-names " + kData +
           "aal_regions.csv --task-option patch=8",
       "conv4 8x8x1"},
      {"cell-stages --csv " + kData + "guo_cells.csv", "48-8-8 relu"}};
  for (const auto& [task, model] : tasks) {
    SCOPED_TRACE(task);
    const Result r = run("train --learner protonet --task " + task + " --hidden 8,8 --iterations 3 --progress none --out b.safetensors");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find(model), std::string::npos) << r.out;
    const Result e = run("eval b.safetensors --tasks 10 --json");
    ASSERT_EQ(e.code, 0) << e.err;
    const double acc = mean_accuracy(e.out);
    EXPECT_GE(acc, 0.0);
    EXPECT_LE(acc, 1.0);
  }
  const Result s = run("eval b.safetensors --tasks 10 --test-shots 5 --json");  // cell-stages, tested 5-shot
  ASSERT_EQ(s.code, 0) << s.err;
  EXPECT_EQ(nlohmann::json::parse(s.out)["task"]["test_shots"], "5");
}

TEST_F(Cli, BiomedicalFilesAreAskedForAndBadOnesNamed) {
  expect_error("train --learner protonet --task protein-families --progress none",
               "give --fasta FILE (the shipped families: assets/data/protein_families.fasta)");
  expect_error("train --learner protonet --task cell-stages --progress none", "assets/data/guo_cells.csv");
  expect_error("train --learner protonet --task protein-ss --fasta x.fa --progress none",
               "--fasta does not apply to --task protein-ss");
  expect_error("train --learner protonet --task cell-stages --csv " + kData + "guo_cells.csv --backbone conv1d --progress none",
               "--backbone conv1d: --task cell-stages has no residue windows");
  write_file(path("cut.nii"), read_file(kData + "colin27_t1_2mm.nii").substr(0, 200));
  expect_error("train --learner protonet --task mri-regions --t1 cut.nii --atlas " + kData + "colin27_aal_2mm.nii --atlas-names " +
                   kData + "aal_regions.csv --progress none",
               "cut.nii");
  write_file(path("bad.fa"), ">a Globin\nMKV\n>b\nMKV\n");
  expect_error("train --learner protonet --task protein-families --fasta bad.fa --progress none", "bad.fa: line 3");
}
