#include "native/cli/common.h"

#include <Eigen/Core>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/learners/registry.h"  // join_names
#include "core/tasks/biomedical_tasks.h"
#include "native/data/gz.h"

namespace metalab::cli {

namespace {

// The families that read a --csv table.
std::vector<std::string> tables_tasks() {
  std::vector<std::string> out;
  for (const TaskFamily& f : task_families())
    if (f.input == TaskInput::Table) out.emplace_back(f.name);
  return out;
}

// Where the data MetaLab ships for a file option (or a family's --csv table)
// is, for error messages; "" when it ships none.
std::string shipped_file(const std::string& key) {
  if (key == "fasta") return "the shipped families: assets/data/protein_families.fasta";
  if (key == "t1") return "the shipped MRI: assets/data/colin27_t1_2mm.nii";
  if (key == "atlas") return "the shipped atlas: assets/data/colin27_aal_2mm.nii";
  if (key == "atlas_names") return "the shipped region names: assets/data/aal_regions.csv";
  if (key == "protein-ss") return "the shipped chains: assets/data/transducin_ss.csv";
  if (key == "cell-stages") return "the shipped cells: assets/data/guo_cells.csv";
  return "";
}

}  // namespace

std::string HelpFormatter::make_option_opts(const CLI::Option* opt) const {
  std::stringstream out;
  if (!opt->get_option_text().empty()) {
    out << " " << opt->get_option_text();
  } else if (opt->get_items_expected_max() != 0) {
    if (!opt->get_type_name().empty()) out << " " << get_label(opt->get_type_name());
    if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) out << " ...";
    if (opt->get_required()) out << " " << get_label("REQUIRED");
  }
  return out.str();
}

std::string HelpFormatter::make_option_desc(const CLI::Option* opt) const {
  std::string d = opt->get_description();
  if (opt->get_items_expected_max() == 0) return opt->get_single_name() == "help" ? d : d + " (off by default)";
  const std::string def = opt->get_default_str();
  if (!def.empty() && def != "[]") d += " (default: " + def + ")";
  return d;
}

void TaskFlags::add_to(CLI::App& app) {
  const std::string g = "Task";
  app.add_option("--task", task, "task distribution: sinusoid (Finn et al.), promoter (synthetic promoter -> "
                                 "expression, one task per cell type), genes (landmark genes -> one target gene "
                                 "per task, from --csv); few-shot classification: glyphs (synthetic characters), csv (rows of --csv, classes "
                                 "from --label-column), images (--images DIR: one folder per class), idx (--idx-images, "
                                 "--idx-labels); biomedical: protein-families (--fasta: N-way K-shot over protein "
                                 "families held out of meta-training), protein-ss (--csv of chains: each task one "
                                 "chain, helix / strand / coil per residue), mri-regions (--t1, --atlas, --atlas-names: "
                                 "brain regions of one MRI held out), cell-stages (--csv of single cells: developmental "
                                 "stages); glyph-sequences or table-sequences (episodes for the "
                                 "memory network: 5-way sequences with labels one step late, of synthetic glyphs or "
                                 "of the rows of --csv; see --task-option)")
      ->check(CLI::IsMember(task_family_names()))
      ->group(g);
  app.add_option("--csv", csv, "genes: expression table, samples x genes, label columns allowed (e.g. "
                               "assets/data/tissue_gene_expression.csv); csv and table-sequences: a table with a label "
                               "column; protein-ss: chains (chain, sequence, structure[, entry]), e.g. "
                               "assets/data/transducin_ss.csv; cell-stages: cells x genes with stage and embryo "
                               "columns, e.g. assets/data/guo_cells.csv")
      ->group(g);
  app.add_option("--support", support, "K: support examples per task (what a learner adapts on)")
      ->check(CLI::PositiveNumber)
      ->group(g);
  app.add_option("--query", query, "query examples per task (what adaptation is judged on)")
      ->check(CLI::PositiveNumber)
      ->group(g);
  app.add_option("--landmarks", landmarks, "genes: number of landmark (input) genes, or their names, comma-separated")
      ->group(g);
  app.add_option("--landmark-choice", landmark_choice, "genes: how to pick L landmarks: top-variance, first, random")
      ->check(CLI::IsMember({"top-variance", "first", "random"}))
      ->group(g);
  app.add_option("--target-scaling", target_scaling,
                 "genes: pooled (one meta-train scale for all target genes) or per-gene (z-score each gene)")
      ->check(CLI::IsMember({"pooled", "per-gene"}))
      ->group(g);
  app.add_option("--features", features, "promoter: input features: kmer (k-mer frequencies), onehot (4 x L), "
                                          "motif (the true motif scores)")
      ->check(CLI::IsMember({"kmer", "onehot", "motif"}))
      ->group(g);
  app.add_option("--kmer-max", kmer_max, "promoter: k-mers for k = 1..kmer-max")->check(CLI::Range(1, 6))->group(g);
  app.add_option("--cell-types", cell_types, "promoter: number of cell types (tasks), split 70/15/15")
      ->check(CLI::Range(3, 1000000))
      ->group(g);
  app.add_option("--sequence-length", sequence_length, "promoter: promoter length in bp")
      ->check(CLI::PositiveNumber)
      ->group(g);
  app.add_option("--task-seed", task_seed, "seed of the task split (promoter: cell types; genes: target genes)")
      ->group(g);
  app.add_option("--ways", ways, "classification: N, classes per meta-training episode")
      ->check(CLI::Range(2, 1000))->group(g);
  app.add_option("--shots", shots, "classification: K, support examples per class in meta-training episodes")
      ->check(CLI::PositiveNumber)->group(g);
  app.add_option("--queries", queries, "classification: query examples per class in meta-training episodes")
      ->check(CLI::PositiveNumber)->group(g);
  app.add_option("--test-ways", test_ways, "classification: N of validation and test episodes; 0 = --ways")
      ->check(CLI::Range(0, 1000))->group(g);
  app.add_option("--test-shots", test_shots, "classification: K of validation and test episodes; 0 = --shots")
      ->check(CLI::NonNegativeNumber)->group(g);
  app.add_option("--test-queries", test_queries, "classification: queries per class of test episodes; 0 = --queries")
      ->check(CLI::NonNegativeNumber)->group(g);
  app.add_option("--label-column", label_column, "csv: the column holding the class of each row")->group(g);
  app.add_option("--images", images, "images: root folder, one sub-folder of images per class")->group(g);
  app.add_option("--idx-images", idx_images, "idx: IDX image file (.gz allowed), e.g. train-images-idx3-ubyte.gz")
      ->group(g);
  app.add_option("--idx-labels", idx_labels, "idx: IDX label file (.gz allowed)")->group(g);
  app.add_option("--fasta", fasta, "protein-families: FASTA (.gz allowed) with '>NAME FAMILY' headers, e.g. "
                                   "assets/data/protein_families.fasta")
      ->group(g);
  app.add_option("--t1", t1, "mri-regions: the MRI, NIfTI-1 (.nii or .nii.gz), e.g. assets/data/colin27_t1_2mm.nii")
      ->group(g);
  app.add_option("--atlas", atlas, "mri-regions: region labels on the MRI's grid, NIfTI-1, e.g. "
                                   "assets/data/colin27_aal_2mm.nii")
      ->group(g);
  app.add_option("--atlas-names", atlas_names, "mri-regions: CSV of label,name for the atlas, e.g. "
                                               "assets/data/aal_regions.csv")
      ->group(g);
  app.add_option("--image-size", image_size, "glyphs and images: side of the (square) images in pixels")
      ->check(CLI::Range(4, 512))->group(g);
  app.add_option("--task-option", task_options,
                 "any other task setting as key=value (repeatable), e.g. amplitude=0.1,5 phase=0,3.14 for sinusoid, "
                 "noise_sd=0.2 for promoter; classification: train_fraction=0.6 validation_fraction=0 (tables; "
                 "glyphs 0.7 and 0.1) split_seed=0; csv: ignore=sample,batch (columns that are neither features nor "
                 "the label), standardize=true (z-score each feature with meta-train "
                 "statistics; a feature that is near-constant there (non-zero in a few rows) is scaled by the "
                 "median feature's deviation instead of its own, so that it cannot dominate distances; false: "
                 "raw values); biomedical tasks: see core/tasks/protein_families.h, protein_ss.h, mri_regions.h, "
                 "cell_stages.h, e.g. features=kmer crop=random length=64 (protein-families), window=15 (protein-ss), "
                 "patch=16 (mri-regions), hold_out=stages (cell-stages)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->group(g);
}

TaskOptions TaskFlags::options(const CLI::App& app, bool only_given, std::map<std::string, std::string>* flags) const {
  TaskOptions o;
  std::map<std::string, std::string> flag_of;  // option key -> the flag that sets it for this task
  auto given = [&](const char* flag) { return app.count(flag) > 0; };
  auto put = [&](const char* flag, const char* key, const std::string& value, bool applies) {
    if (applies) flag_of[key] = flag;
    if (!applies) {
      if (given(flag))
        throw CliError(std::string(flag) + " does not apply to --task " + task);
      return;
    }
    if (!only_given || given(flag)) {
      o[key] = value;
      if (flags) (*flags)[key] = flag;
    }
  };
  const TaskFamily* family = find_task_family(task);
  const bool genes = task == "genes", promoter = task == "promoter";
  // Sequence sizes come via --task-option ways=, instances=, query_per_class=.
  const bool sequences = family && family->kind == TaskKind::Sequence;
  const bool cls = family && family->kind == TaskKind::Classification;
  // The biomedical families keep their own episode defaults (sized to their
  // data: e.g. 5 queries a protein family) unless a flag is given.
  const bool bio = family && family->make == make_biomedical_task;
  const bool per_chain = task == "protein-ss";  // 3 ways always, one chain per task
  const auto put_episode = [&](const char* flag, const char* key, int value, bool applies) {
    if (bio && !given(flag)) {
      if (applies) flag_of[key] = flag;
      return;
    }
    put(flag, key, std::to_string(value), applies);
  };
  put("--support", "support", std::to_string(support), !sequences && !cls);
  put("--query", "query", std::to_string(query), !sequences && !cls);
  put_episode("--ways", "ways", ways, cls && !per_chain);
  put_episode("--shots", "shots", shots, cls);
  put_episode("--queries", "queries", queries, cls);
  put_episode("--test-ways", "test_ways", test_ways, cls && !per_chain);
  put_episode("--test-shots", "test_shots", test_shots, cls && !per_chain);
  put_episode("--test-queries", "test_queries", test_queries, cls && !per_chain);
  put("--fasta", "fasta", absolute_path(fasta), task == "protein-families");
  put("--t1", "t1", absolute_path(t1), task == "mri-regions");
  put("--atlas", "atlas", absolute_path(atlas), task == "mri-regions");
  put("--atlas-names", "atlas_names", absolute_path(atlas_names), task == "mri-regions");
  put("--label-column", "label", label_column, task == "csv");
  put("--images", "images", images, task == "images");
  put("--idx-images", "idx_images", idx_images, task == "idx");
  put("--idx-labels", "idx_labels", idx_labels, task == "idx");
  if (given("--image-size")) {
    if (task != "glyphs" && task != "images") throw CliError("--image-size does not apply to --task " + task);
    put("--image-size", task == "glyphs" ? "glyph_size" : "image_size", std::to_string(image_size), true);
  }
  put("--landmarks", "landmarks", landmarks, genes);
  put("--landmark-choice", "landmark_choice", landmark_choice, genes);
  put("--target-scaling", "target_scaling", target_scaling, genes);
  put("--features", "features", features, promoter);
  put("--kmer-max", "kmer_max", std::to_string(kmer_max), promoter);
  put("--cell-types", "cell_types", std::to_string(cell_types), promoter);
  put("--sequence-length", "sequence_length", std::to_string(sequence_length), promoter);
  if (given("--task-seed")) {
    if (!genes && !promoter && !sequences && !cls) throw CliError("--task-seed does not apply to --task " + task);
    put("--task-seed", promoter ? "seed" : "split_seed", std::to_string(task_seed), true);
  }
  if (given("--csv") && !(family && family->input == TaskInput::Table))
    throw CliError("--csv does not apply to --task " + task + " (only to " + join_names(tables_tasks(), ", ") + ")");
  for (const std::string& kv : task_options) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw CliError("--task-option '" + kv + "': expected key=value");
    const std::string key = kv.substr(0, eq);
    // One way to set a thing: a setting with its own flag is set by the flag,
    // and what a checkpoint records about its table is not a setting.
    if (const auto f = flag_of.find(key); f != flag_of.end())
      throw CliError("--task-option '" + kv + "': use " + f->second + " (the flag for " + key + ")");
    if (task == "csv" && (key == "rows" || key == "features"))
      throw CliError("--task-option '" + kv + "': " + key + " is read from the table (and recorded in the "
                     "checkpoint), not a setting");
    o[key] = kv.substr(eq + 1);
    if (flags) flags->erase(key);  // the value is the --task-option's now
  }
  return o;
}

CsvTable read_csv(const std::string& path) {
  try {
    return load_csv_file(path);
  } catch (const DataError& e) {
    throw CliError(e.what());
  }
}

std::shared_ptr<TaskSource> build_source(const TaskOptions& options, const std::string& csv_path,
                                         const std::string& what, const std::map<std::string, std::string>& flags) {
  const auto name_it = options.find("name");
  const std::string name = name_it == options.end() ? "" : name_it->second;
  const TaskFamily* family = find_task_family(name);
  if (!family) throw CliError(what + ": unknown task '" + name + "' (expected one of: " + join_names(task_family_names(), ", ") + ")");
  const auto option = [&](const char* key) {
    const auto it = options.find(key);
    return it == options.end() ? std::string() : it->second;
  };
  // The core opens no files: read what the family needs here.
  TaskData data;
  std::optional<CsvTable> table;
  std::vector<ImageFile> image_files;
  std::string idx_images, idx_labels;
  std::map<std::string, std::string> files;
  try {
    switch (family->input) {
      case TaskInput::None:
        break;
      case TaskInput::Table:
        if (csv_path.empty())
          throw CliError(what + ": " + name + " tasks need a table: give --csv FILE" +
                         (shipped_file(name).empty() ? "" : " (" + shipped_file(name) + ")"));
        table = read_csv(csv_path);
        data.table = &*table;
        break;
      case TaskInput::ImageFiles:
        if (option("images").empty()) throw CliError("--task images: give the image folder with --images DIR");
        image_files = read_image_folder(option("images"));
        data.image_files = &image_files;
        break;
      case TaskInput::IdxFiles:
        if (option("idx_images").empty() || option("idx_labels").empty())
          throw CliError("--task idx: give --idx-images FILE and --idx-labels FILE");
        idx_images = read_maybe_gzipped_file(option("idx_images"));
        idx_labels = read_maybe_gzipped_file(option("idx_labels"));
        data.idx_images = idx_images;
        data.idx_labels = idx_labels;
        break;
      case TaskInput::Files:
        for (const std::string& key : family->files) {
          std::string flag = "--" + key;  // the flag of a file option: atlas_names -> --atlas-names
          std::replace(flag.begin(), flag.end(), '_', '-');
          if (option(key.c_str()).empty())
            throw CliError("--task " + name + ": give " + flag + " FILE (" +
                           (shipped_file(key).empty() ? "see metalab train --help" : shipped_file(key)) + ")");
          files[key] = read_maybe_gzipped_file(option(key.c_str()));
          data.files[key] = files[key];
        }
        break;
    }
    return std::shared_ptr<TaskSource>(make_task_source(options, data));
  } catch (const CliError&) {
    throw;
  } catch (const OptionError& e) {
    // Said with the flag the value came from, when it came from one.
    const auto flag = flags.find(e.key());
    if (flag == flags.end()) throw CliError(what + ": " + e.what());
    throw CliError(flag->second + (e.value().empty() ? "" : " " + e.value()) + ": " + e.problem());
  } catch (const DataError& e) {
    throw CliError(e.what());
  } catch (const FormatError& e) {
    throw CliError(e.what());
  } catch (const std::invalid_argument& e) {
    throw CliError(what + ": " + e.what());
  } catch (const std::runtime_error& e) {  // a file that cannot be read or decompressed
    throw CliError(what + ": " + e.what());
  }
}

std::string absolute_path(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

std::string recorded_table(const Checkpoint& checkpoint, const std::string& what) {
  const std::string path = get_metadata_or(checkpoint, "data.csv", "");
  if (!path.empty() && !std::ifstream(path).good())
    throw CliError(what + " was trained on the table " + path + " (recorded in the checkpoint as data.csv), which "
                   "cannot be opened from here: give the table with --csv FILE");
  return path;
}

Checkpoint read_checkpoint(const std::string& path, const std::string& flag) {
  {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) throw CliError(flag + " " + path + ": cannot open the file (does it exist?)");
  }
  try {
    return load_safetensors_file(path);
  } catch (const FormatError& e) {
    throw CliError(std::string(e.what()) + " (" + flag + ")");
  } catch (const std::exception& e) {
    throw CliError(flag + " " + path + ": " + e.what());
  }
}

std::string baseline_path(const std::string& out, const std::string& baseline) {
  const std::string ext = ".safetensors";
  if (out.size() > ext.size() && out.compare(out.size() - ext.size(), ext.size(), ext) == 0)
    return out.substr(0, out.size() - ext.size()) + "." + baseline + ext;
  return out + "." + baseline + ext;
}

std::string file_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string sibling_path(const std::string& base, const std::string& name) {
  if (!name.empty() && name[0] == '/') return name;
  const auto slash = base.find_last_of('/');
  return slash == std::string::npos ? name : base.substr(0, slash + 1) + name;
}

namespace {

std::string normalise_key(std::string key) {
  for (char& c : key)
    if (c == '_') c = '-';
  return key;
}

// A JSON scalar as the text CLI11 would have received on the command line.
std::vector<std::string> json_to_args(const Json& v, const std::string& where) {
  if (v.is_string()) return {v.get<std::string>()};
  if (v.is_boolean()) return {v.get<bool>() ? "true" : "false"};
  if (v.is_number_integer() || v.is_number_unsigned()) return {v.dump()};
  if (v.is_number_float()) {
    std::ostringstream s;
    s.precision(9);
    s << v.get<double>();
    return {s.str()};
  }
  if (v.is_array()) {
    // Arrays of numbers: "hidden": [40, 40] -> "40,40"; arrays for repeatable options.
    std::string joined;
    std::vector<std::string> items;
    for (const auto& x : v) {
      if (x.is_array() || x.is_object() || x.is_null())
        throw CliError(where + ": expected a value or a list of values");
      const auto a = json_to_args(x, where);
      items.push_back(a[0]);
    }
    return items;
  }
  throw CliError(where + ": expected a string, number, boolean or list, got " + std::string(v.type_name()));
}

}  // namespace

Json read_json_file(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CliError(flag + " " + path + ": cannot open the file (does it exist?)");
  std::stringstream buf;
  buf << in.rdbuf();
  try {
    return parse_json(buf.str());
  } catch (const JsonError& e) {
    throw CliError(flag + " " + path + ": " + e.what());
  }
}

void apply_json_config(CLI::App& app, const std::string& path, const std::vector<std::string>& excluded) {
  const Json j = read_json_file("--config", path);
  if (!j.is_object()) throw CliError("--config " + path + ": expected a JSON object of settings");
  for (const auto& [raw_key, value] : j.items()) {
    const std::string key = normalise_key(raw_key);
    const std::string where = "--config " + path + ": key '" + raw_key + "'";
    CLI::Option* opt = app.get_option_no_throw("--" + key);
    bool forbidden = key == "config" || key == "help";
    for (const auto& e : excluded) forbidden = forbidden || e == key;
    if (!opt || forbidden) {
      std::string known;
      for (const CLI::Option* o : app.get_options()) {
        const std::string n = o->get_single_name();
        if (n.empty() || n == "help" || n == "config") continue;
        bool ex = false;
        for (const auto& e : excluded) ex = ex || e == n;
        if (!ex) known += (known.empty() ? "" : ", ") + n;
      }
      throw CliError(where + " is not a setting of 'metalab " + app.get_name() + "' (known: " + known + ")");
    }
    if (opt->count() > 0) continue;  // the command line wins
    std::vector<std::string> args = json_to_args(value, where);
    if (opt->get_items_expected_max() == 0) {  // a flag
      if (!value.is_boolean()) throw CliError(where + ": expected true or false");
      if (!value.get<bool>()) continue;
    } else if (opt->get_expected_max() <= 1 && args.size() > 1) {
      std::string joined;
      for (const auto& a : args) joined += (joined.empty() ? "" : ",") + a;
      args = {joined};
    }
    try {
      opt->clear();
      for (const auto& a : args) opt->add_result(a);
      opt->run_callback();
    } catch (const CLI::Error& e) {
      throw CliError(where + ": " + e.what());
    }
  }
}

std::string fmt(double v, int precision) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  if (std::isfinite(v) && std::fabs(v) >= 1e5) std::snprintf(buf, sizeof buf, "%.*e", precision > 2 ? 2 : precision, v);
  else std::snprintf(buf, sizeof buf, "%.*f", precision, v);
  return buf;
}

bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }

void set_matrix_product_threads(int threads) { Eigen::setNbThreads(std::max(1, threads)); }

}  // namespace metalab::cli
