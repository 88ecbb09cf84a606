// The page's logic end to end, natively: labs built from their settings and
// the shipped checkpoints, the scheduler training visible and hidden labs,
// uploads routed to the lab they belong to (or refused without changing
// anything), downloads that load again, and the status JSON.
#include "web/app/page/app_state.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "web/app/page/checkpoints.h"
#include "web/app/page/url_state.h"

namespace metalab::web {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string asset(const std::string& name) { return read_file(std::string(METALAB_SOURCE_DIR) + "/assets/" + name); }

// A page with the files it fetches at start-up.
void load_shipped(AppState& st) {
  for (const char* f : {"checkpoints/sinusoid-maml.safetensors", "checkpoints/sinusoid-maml.pretrain.safetensors",
                        "checkpoints/protonet-glyphs14.safetensors", "checkpoints/mann-glyphs14.safetensors",
                        "checkpoints/lstm-glyphs14.safetensors", "checkpoints/feedforward-glyphs14.safetensors"}) {
    const std::string bytes = asset(f);
    ASSERT_FALSE(bytes.empty()) << f;
    receive_asset(st, f, bytes);
  }
}

void frames(AppState& st, int n) {
  for (int i = 0; i < n; ++i) update_page(st, 1.0 / 60);
}

TEST(Page, TheRegressionLabOpensWithTheShippedModelAndTrainsAlsoWhenHidden) {
  AppState st;
  load_shipped(st);
  apply_url_hash(st, "view=regression");
  frames(st, 1);
  RegressionJob* job = st.regression.shown();
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(job->origin.rfind("shipped", 0), 0u) << job->origin;
  const long start = job->iteration();
  job->playing = true;
  frames(st, 60);  // a step that costs more than the frame budget waits a few frames for its turn
  EXPECT_GT(job->iteration(), start);
  // Another view: the job keeps training in the background, and says so.
  st.view = ViewId::SinusoidExplorer;
  const long hidden = job->iteration();
  frames(st, 60);
  EXPECT_GT(job->iteration(), hidden);
  ASSERT_EQ(training_jobs(st).size(), 1u);
  EXPECT_EQ(training_jobs(st)[0]->title(), "Regression lab: Sinusoids");
  // A setting that needs another network restarts it, with a notice.
  st.view = ViewId::RegressionLab;
  st.regression.settings.learner = "reptile";
  frames(st, 1);
  job = st.regression.shown();
  EXPECT_EQ(job->settings().learner, "reptile");
  EXPECT_NE(job->notice.find("Learner changed to Reptile"), std::string::npos) << job->notice;
  // A hot setting keeps the weights.
  const long it = job->iteration();
  const long long id = job->id();
  st.regression.settings.alpha = 0.05f;
  frames(st, 1);
  EXPECT_EQ(st.regression.shown()->id(), id);
  EXPECT_GE(st.regression.shown()->iteration(), it);
  EXPECT_FLOAT_EQ(st.regression.shown()->meta_learner().config().inner_lr, 0.05f);
}

TEST(Page, WhileAControlIsHeldTheJobWaitsForItsRelease) {
  AppState st;
  apply_url_hash(st, "view=regression");
  frames(st, 1);
  ASSERT_NE(st.regression.shown(), nullptr);
  st.regression.settings.width = 64;
  st.control_active = true;
  frames(st, 1);
  EXPECT_EQ(st.regression.shown()->settings().width, 40);
  st.control_active = false;
  frames(st, 1);
  EXPECT_EQ(st.regression.shown()->settings().width, 64);
}

TEST(Page, UploadsGoWhereTheyBelongAndBadFilesChangeNothing) {
  AppState st;
  load_shipped(st);
  apply_url_hash(st, "view=memory");
  frames(st, 1);
  ASSERT_NE(st.memory.job(), nullptr);
  ASSERT_TRUE(st.memory.job()->from_shipped());
  const long mann_it = st.memory.job()->model(0).iteration();

  // A truncated checkpoint: refused, named, nothing changed.
  const std::string mann = asset("checkpoints/mann-glyphs14.safetensors");
  receive_upload(st, "broken.safetensors", mann.substr(0, mann.size() / 2));
  EXPECT_NE(st.page.last_error.find("broken.safetensors"), std::string::npos) << st.page.last_error;
  EXPECT_EQ(st.memory.job()->model(0).iteration(), mann_it);

  // A sinusoid MAML goes to the regression lab (its learner and task say so).
  st.view = ViewId::SinusoidExplorer;
  receive_upload(st, "maml.safetensors", asset("checkpoints/sinusoid-maml.safetensors"));
  EXPECT_EQ(st.page.last_error, "");
  ASSERT_NE(st.regression.find_job("sinusoid"), nullptr);
  EXPECT_NE(st.regression.find_job("sinusoid")->origin.find("uploaded maml.safetensors"), std::string::npos);

  // The memory lab's MANN goes back into the memory lab.
  receive_upload(st, "mann.safetensors", mann);
  EXPECT_EQ(st.page.last_error, "");
  EXPECT_EQ(st.view, ViewId::MemoryLab);
  EXPECT_NE(st.memory.job()->uploaded.find("mann from mann.safetensors"), std::string::npos);

  // A classification checkpoint of another setup than the page's glyphs is refused.
  receive_upload(st, "notes.txt", "hello");
  EXPECT_NE(st.page.last_error.find("notes.txt"), std::string::npos);

  // Data: a CSV goes to the classification lab as "Your data"; a broken image is named.
  receive_upload(st, "cells.csv", "type,a,b\nx,1,2\nx,1.5,2\ny,5,6\ny,5.5,6.5\nz,9,9\nz,9.5,9\nw,0,9\nw,0.5,9\n");
  EXPECT_EQ(st.page.last_error, "") << st.page.last_error;
  EXPECT_EQ(st.view, ViewId::ClassificationLab);
  EXPECT_EQ(st.classification.settings.dataset, "custom");
  receive_upload(st, "cat_1.png", "not a png");
  EXPECT_NE(st.page.last_error.find("cat_1.png"), std::string::npos) << st.page.last_error;
}

TEST(Page, TheClassificationLabUsesTheShippedModelOnlyForItsOwnSetup) {
  AppState st;
  load_shipped(st);
  apply_url_hash(st, "view=classification&learner=protonet&dataset=glyphs&ways=5&shots=1&seed=1");
  frames(st, 1);
  const ClassificationJob* job = st.classification.job();
  ASSERT_NE(job, nullptr) << st.classification.error();
  EXPECT_EQ(job->weights_file, "checkpoints/protonet-glyphs14.safetensors");
  const std::string shipped_checksum = analyse_episode(*job, 1, 0).checksum;

  apply_url_hash(st, "view=classification&learner=protonet&dataset=glyphs&ways=4&shots=1&seed=1");
  frames(st, 1);
  job = st.classification.job();
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(job->weights_file, "");
  EXPECT_NE(job->mismatch.find("ways 5 (here 4)"), std::string::npos) << job->mismatch;

  // Download, Reset, upload: the same predictions again.
  apply_url_hash(st, "view=classification&learner=protonet&dataset=glyphs&ways=5&shots=1&seed=1");
  frames(st, 1);
  std::string name;
  const std::string bytes = classification_checkpoint_bytes(st.classification, &name);
  reset_classification(st.classification);
  frames(st, 1);
  ASSERT_NE(st.classification.job(), nullptr);
  EXPECT_EQ(st.classification.job()->weights_file, "") << "Reset: random weights";
  EXPECT_NE(analyse_episode(*st.classification.job(), 1, 0).checksum, shipped_checksum);
  receive_upload(st, name, bytes);
  EXPECT_EQ(st.page.last_error, "");
  frames(st, 1);
  ASSERT_NE(st.classification.job(), nullptr);
  EXPECT_TRUE(st.classification.job()->weights_uploaded);
  EXPECT_EQ(analyse_episode(*st.classification.job(), 1, 0).checksum, shipped_checksum);
}

// The biomedical data sets (issue 17): each opens with its shipped ProtoNet,
// built through core's task factory from the fetched files, and tells
// held-out classes apart well above chance; until the files arrive the lab
// says what it waits for.
TEST(Page, TheBiomedicalDataSetsOpenWithTheirShippedProtoNets) {
  struct Case {
    const char* dataset;
    const char* checkpoint;
    std::vector<const char*> files;
    double least_accuracy;  // over 20 meta-test episodes; chance is 0.2
  };
  const std::vector<Case> cases{
      {"proteins", "checkpoints/protonet-protein-families.safetensors", {"data/protein_families.fasta"}, 0.35},
      {"mri", "checkpoints/protonet-mri-regions.safetensors",
       {"data/colin27_t1_2mm.nii", "data/colin27_aal_2mm.nii", "data/aal_regions.csv"}, 0.4},
      {"cells", "checkpoints/protonet-cell-stages.safetensors", {"data/guo_cells.csv"}, 0.6}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.dataset);
    AppState st;
    receive_asset(st, c.checkpoint, asset(c.checkpoint));
    const std::string hash = std::string("view=classification&learner=protonet&dataset=") + c.dataset + "&ways=5&shots=1&seed=1";
    apply_url_hash(st, hash);
    frames(st, 1);
    EXPECT_EQ(st.classification.job(), nullptr);
    EXPECT_NE(st.classification.error().find(std::string("waiting for ") + c.files[0]), std::string::npos)
        << st.classification.error();
    for (const char* f : c.files) receive_asset(st, f, asset(f));
    frames(st, 1);
    const ClassificationJob* job = st.classification.job();
    ASSERT_NE(job, nullptr) << st.classification.error();
    EXPECT_EQ(job->weights_file, c.checkpoint);
    EXPECT_EQ(job->mismatch, "");
    double accuracy = 0;
    for (int e = 0; e < 20; ++e) {
      const EpisodeAnalysis a = analyse_episode(*job, 1, e);
      ASSERT_EQ(a.error, "");
      accuracy += a.accuracy / 20;
    }
    EXPECT_GT(accuracy, c.least_accuracy);
    // Another setup trains from scratch, and says why the shipped model does not apply.
    apply_url_hash(st, std::string("view=classification&learner=protonet&dataset=") + c.dataset + "&ways=4&shots=1&seed=1");
    frames(st, 1);
    ASSERT_NE(st.classification.job(), nullptr);
    EXPECT_EQ(st.classification.job()->weights_file, "");
    EXPECT_NE(st.classification.job()->mismatch.find("ways 5 (here 4)"), std::string::npos) << st.classification.job()->mismatch;
  }
}

// A FASTA upload becomes "Your data": protein-family episodes of its
// sequences, drawn and embedded as the shipped families are (Conv1d); a
// FASTA without families is refused, naming the file and the line.
TEST(Page, AnUploadedFastaGivesProteinFamilyEpisodes) {
  AppState st;
  receive_upload(st, "mine.fasta", asset("data/protein_families.fasta"));
  EXPECT_EQ(st.classification.byo.error, "");
  EXPECT_NE(st.classification.byo.message.find("515"), std::string::npos) << st.classification.byo.message;  // sequences
  EXPECT_NE(st.classification.byo.message.find("17"), std::string::npos) << st.classification.byo.message;   // families
  apply_url_hash(st, "view=classification&learner=protonet&dataset=custom&ways=5&shots=1&seed=1");
  frames(st, 1);
  const ClassificationJob* job = st.classification.job();
  ASSERT_NE(job, nullptr) << st.classification.error();
  EXPECT_EQ(job->source().name(), "protein-families");
  EXPECT_EQ(job->model().model().config().backbone, "conv1d");
  EXPECT_EQ(analyse_episode(*job, 1, 0).error, "");
  receive_upload(st, "bad.fa", ">a Globin\nMKV\n>b\nMKV\n");
  EXPECT_NE(st.classification.byo.error.find("bad.fa: line 3"), std::string::npos) << st.classification.byo.error;
  EXPECT_EQ(st.classification.byo.name, "mine.fasta");  // nothing changed
}

TEST(Page, TheStatusJsonHasWhatThePageAndItsTestsRead) {
  AppState st;
  load_shipped(st);
  apply_url_hash(st, "view=regression&alpha=oops");
  frames(st, 2);
  const nlohmann::json s = nlohmann::json::parse(status_json(st));
  EXPECT_EQ(s["view"], "regression_lab");
  for (const char* key : {"regression", "gene", "classification", "memory", "sinusoid", "training", "page", "layout", "display"})
    EXPECT_TRUE(s.contains(key)) << key;
  EXPECT_TRUE(s["regression"]["ready"].get<bool>());
  EXPECT_NE(s["page"]["url_notice"].get<std::string>().find("alpha=oops"), std::string::npos);
  EXPECT_EQ(s["page"]["assets"].size(), 6u);
  EXPECT_EQ(s["regression"]["alpha"].get<double>(), 0.01) << "floats as the decimals the user set";
  // Strings are escaped: a file name with quotes and a newline survives.
  st.page.last_error = "bad \"file\"\nname";
  EXPECT_EQ(nlohmann::json::parse(status_json(st))["page"]["last_error"], "bad \"file\"\nname");
}

}  // namespace
}  // namespace metalab::web
