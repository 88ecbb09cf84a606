// Model-based meta-learning: the memory-augmented neural network (MANN) of
// Santoro et al. 2016, "One-shot learning with memory-augmented neural
// networks", and the two baselines its paper compares against, as learners:
//
//   mann         an LSTM controller with an external memory (N slots x M, R
//                read heads, content-based addressing, LRUA writes; memory.h)
//   lstm         the same LSTM controller without the memory
//   feedforward  an MLP that sees only (x_t, y_{t-1}): no recurrence, so it
//                cannot bind labels to inputs and stays near chance
//
// Episodes are sequences. At step t the network receives x_t together with
// the label of the *previous* input, y_{t-1} (one-hot; zeros at t = 0), and
// must output the label of x_t. Labels are shuffled in every episode, so the
// only way to be right is to remember, within the episode, which label came
// after which input: at the first presentation of a class the output is a
// guess, from the second on it can be read from memory.
//
// One step of the MANN (B episodes batched as rows; memory.h has the layout):
//   input   [x_t, y_{t-1}, r_{t-1}]                   r: the R reads of step t-1
//   LSTM    h_t, c_t                                   (hidden size H = model.hidden[0])
//   heads   from h_t, per head i: key k_i = tanh(.), add vector a_i = tanh(.),
//           write gate alpha_i, sharpness beta_i = softplus(.)
//   write   w_w_i = sigmoid(alpha_i) w_r_i(t-1) + (1 - sigmoid(alpha_i)) w_lu(t-1);
//           least-used slot zeroed; M_t = M_{t-1} + sum_i w_w_i^T a_i
//   read    w_r_i = softmax(beta_i cos(k_i, M_t)),  r_i = w_r_i M_t
//   output  logits = W_o [h_t, r_t] + b_o
// NTM location-based addressing (interpolation, shift, sharpening) is not
// implemented: the paper's MANN uses content addressing and LRUA only.
//
// Training (meta_step) is backpropagation through time over whole episodes
// with a batch of episodes, global-norm gradient clipping (grad_clip) and Adam
// or RMSProp (outer_optimizer, outer_lr). The network is templated on the
// scalar type: float for training, double for finite-difference tests.
//
// As a Learner, a Task is an episode: meta_step trains on the sequence
// support ++ query of each task, randomly reordered (seeded by the learner's
// seed and iteration), with a loss at every step; adapt(task) is one-shot: it
// feeds the support sequence (in its given order, labels one step late) and
// returns a predictor that classifies each query row as if it came next.
//
// The page's memory lab replays an episode from record_episode(): the memory
// matrix, read and write weights, usage, reads and predictions at every step,
// as a MemoryTrace (plain struct) or JSON (memory_trace_to_json).
#pragma once

#include <memory>
#include <functional>
#include <string>
#include <vector>

#include "core/learners/learner.h"
#include "core/learners/memory.h"
#include "core/optim/optimizers.h"
#include "core/tasks/sequence_episodes.h"

namespace metalab {

enum class SequenceArch { Mann, Lstm, FeedForward };
// "mann", "lstm", "feedforward"
const char* sequence_arch_name(SequenceArch arch);

struct SequenceNetConfig {
  SequenceArch arch = SequenceArch::Mann;
  int input_dim = 400;           // D, the features of x_t (20 x 20 glyphs)
  int num_classes = 5;           // C, classes per episode (one-hot label width)
  std::vector<int> hidden{200};  // mann, lstm: {controller size H}; feedforward: hidden layer sizes
  std::string activation = "relu";  // feedforward hidden activation
  int memory_slots = 128;        // N
  int memory_width = 40;         // M
  int read_heads = 4;            // R (each with an LRUA write head)
  double usage_decay = 0.95;     // gamma
  double cosine_eps = 1e-6;      // under the square root of row norms in the cosine

  // std::invalid_argument naming the field.
  void validate() const;
  // From a learner's config: arch from config.learner's registry entry
  // (memory: mann, recurrent: lstm, else feedforward), D = model.input_dim,
  // C = model.output_dim, hidden = model.hidden, memory fields as given.
  static SequenceNetConfig from_learner(const LearnerConfig& config);
};

// The recurrent state of B episodes between steps.
template <typename T>
struct SequenceState {
  int batch = 0;
  ad::Tensor<T> h, c;           // [B, H] (lstm, mann)
  ad::Tensor<T> reads;          // [B, R*M]: r_{t-1}, heads side by side (mann)
  ad::Tensor<T> memory;         // [B*N, M] (mann)
  ad::Tensor<T> read_weights;   // [B*R, N]: w_r(t-1) (mann)
  ad::Mat<T> usage;             // [B, N]: w_u(t-1)
  ad::Mat<T> least_used;        // [B*R, N]: w_lu(t-1), repeated for every head
  std::vector<int> zero_slot;   // per episode: the least-used slot, zeroed before the next write
  int steps = 0;                // steps taken

  // Values only (no graph), each episode repeated `copies` times: episode b of
  // the result is episode b / copies of this state.
  SequenceState repeated(int copies) const;
};

// What happened in the memory at one step of episode 0 of a batch.
template <typename T>
struct StepRecord {
  ad::Mat<T> memory;         // [N, M] after the write
  ad::Mat<T> read_weights;   // [R, N]
  ad::Mat<T> write_weights;  // [R, N]
  ad::Mat<T> usage;          // [1, N] after the step
  ad::Mat<T> reads;          // [R, M]
  int zeroed_slot = -1;      // slot zeroed before the write
};

template <typename T>
class SequenceNet {
 public:
  using P = nn::Params<T>;
  explicit SequenceNet(SequenceNetConfig config);
  const SequenceNetConfig& config() const { return config_; }
  // Width of a step's input: D + C (x_t and the one-hot y_{t-1}).
  int step_input_dim() const { return config_.input_dim + config_.num_classes; }

  P init(Rng& rng) const;
  SequenceState<T> initial_state(int batch) const;
  // One step for B episodes: input [B, D + C] = [x_t, one-hot y_{t-1}] (a
  // constant). Advances the state; returns the logits [B, C] for x_t.
  ad::Tensor<T> step(const P& params, SequenceState<T>& state, const ad::Mat<T>& input,
                     StepRecord<T>* record = nullptr) const;
  // Whole sequences: inputs[t] is step t's [B, D + C] input. Returns the
  // logits of every step, [steps * B, C] with row t * B + b for episode b.
  ad::Tensor<T> forward(const P& params, const std::vector<ad::Mat<T>>& inputs, int batch) const;

  // forward(), a loss of its logits, and the loss's gradient for every
  // parameter: the same as ad::grad(loss_of(forward(...)), params.tensors()),
  // but the recurrent weights' gradients (W_h, W_r: a term for every step)
  // come from one product over all steps, h_{t-1}^T dz_t stacked, instead of
  // a weight-sized outer product per step added up (tests/learners/mann_test.cpp
  // checks that the two agree).
  struct Trained {
    ad::Tensor<T> logits, loss;
    std::vector<ad::Tensor<T>> grads;  // for params.tensors()
  };
  Trained forward_and_grad(const P& params, const std::vector<ad::Mat<T>>& inputs, int batch,
                           const std::function<ad::Tensor<T>(const ad::Tensor<T>&)>& loss_of) const;

 private:
  // step() after the input's share of the controller's gates, x W_x + b, is
  // computed (forward() computes it for all steps in one product). With
  // recurrent set, the step's products h_{t-1} W_h and r_{t-1} W_r are
  // appended to it, with their left factors.
  struct RecurrentTerms {
    std::vector<ad::Tensor<T>> h_products, r_products;
    std::vector<ad::Mat<T>> h_prev, r_prev;
  };
  ad::Tensor<T> recurrent_step(const P& params, SequenceState<T>& state, const ad::Tensor<T>& input_gates,
                               StepRecord<T>* record, RecurrentTerms* recurrent = nullptr) const;
  // forward() of the recurrent nets (recurrent: as in recurrent_step).
  ad::Tensor<T> unroll(const P& params, const std::vector<ad::Mat<T>>& inputs, int batch,
                       RecurrentTerms* recurrent) const;
  // A step's input must be [batch, D + C]; ad::ShapeError naming `which` otherwise.
  void check_step_input(const ad::Mat<T>& input, int batch, const std::string& which) const;
  // The inputs' share of the gates for every step, [steps * B, 4H], in one product.
  ad::Tensor<T> input_gates(const P& params, const std::vector<ad::Mat<T>>& inputs, int batch) const;
  SequenceNetConfig config_;
  nn::MLP mlp_;  // feedforward
};

// Step inputs for B episodes of equal length: xs[b] is episode b's [steps, D]
// inputs, labels[b] its labels. Step t gets [x_t, one-hot(y_{t-1})] per episode.
template <typename T>
std::vector<ad::Mat<T>> sequence_inputs(const std::vector<Matrix>& xs, const std::vector<std::vector<int>>& labels,
                                        int num_classes);

// One episode replayed step by step (for the page's memory lab).
struct MemoryTrace {
  std::string learner;  // mann, lstm, feedforward
  int slots = 0, width = 0, heads = 0;  // 0 for the baselines (no memory)
  int num_classes = 0, input_dim = 0;
  int image_height = 0, image_width = 0;  // when inputs are images (set by the caller)
  Matrix inputs;                // [T, D]: x_t
  std::vector<int> labels;      // y_t
  std::vector<int> instance;    // 1-based presentation number of x_t's class (empty if unknown)
  Matrix probabilities;         // [T, C]: softmax output for x_t
  std::vector<int> predictions; // argmax
  // Per step (mann only): memory after the write [N, M], read and write weights
  // [R, N], usage [1, N], reads [R, M], the slot zeroed before writing.
  std::vector<Matrix> memory, read_weights, write_weights, usage, reads;
  std::vector<int> zeroed_slot;

  int steps() const { return static_cast<int>(labels.size()); }
};
// {"learner": ..., "slots": N, ..., "steps": [{"x": [...], "label": y, "prev_label": y or -1,
//  "instance": k, "probs": [...], "prediction": p, "memory": [[...], ...], "read_weights": ...,
//  "write_weights": ..., "usage": [...], "reads": ..., "zeroed_slot": s}, ...]}
// Numbers with `digits` significant digits.
std::string memory_trace_to_json(const MemoryTrace& trace, int digits = 4);

// mann, lstm and feedforward as a Learner (see the header comment).
class MannLearner : public Learner {
 public:
  explicit MannLearner(LearnerConfig config);

  StepStats meta_step(const std::vector<Task>& batch) override;
  // One predictor (one-shot adaptation); `steps` is ignored.
  std::vector<Predictor> adapt(const Task& task, int steps) const override;
  const ParamsF& params() const override { return params_; }

  const SequenceNet<float>& net() const { return net_; }
  SequenceArch arch() const { return net_.config().arch; }

  // One BPTT update on B episodes exactly as given (same length; xs[b] is
  // [T, D], labels[b] has T entries in [0, C)). meta_step calls it.
  StepStats train_sequences(const std::vector<Matrix>& xs, const std::vector<std::vector<int>>& labels);
  // The logits [T, C] of every step of each episode (no training).
  std::vector<Matrix> predict_sequences(const std::vector<Matrix>& xs,
                                        const std::vector<std::vector<int>>& labels) const;
  // Replays one episode, recording memory and heads at every step.
  MemoryTrace record_episode(const Matrix& x, const std::vector<int>& labels,
                             const std::vector<int>& instance = {}) const;
  MemoryTrace record_episode(const SequenceEpisode& episode) const;

  // One BPTT update on config().meta_batch fresh meta-train episodes of source
  // (drawn from rng in order, so a seed gives the same run).
  StepStats train_on(const SequenceEpisodeSource& source, Rng& rng);

 protected:
  void save_extra(Checkpoint& ckpt) const override;
  void load_extra(const Checkpoint& ckpt) override;
  ParamsF& mutable_params() override { return params_; }

 private:
  void check_episode(const Matrix& x, const std::vector<int>& labels, const char* who) const;

  SequenceNet<float> net_;
  ParamsF params_;
  std::unique_ptr<optim::Optimizer<float>> optimizer_;
};

// Santoro et al.'s table: accuracy by presentation over `episodes` fresh
// episodes of a split (run `batch` at a time; no training).
InstanceAccuracy evaluate_by_instance(const MannLearner& learner, const SequenceEpisodeSource& source, Split split,
                                      int episodes, Rng& rng, int batch = 50);

}  // namespace metalab
