// Reverse-mode automatic differentiation on Eigen matrices, with gradients
// that can themselves be differentiated (what exact second-order MAML needs).
//
// A five-minute tutorial
// ----------------------
//   using namespace metalab::ad;
//   Tensor<double> x = Tensor<double>::scalar(3.0).set_requires_grad();
//   Tensor<double> f = x * x * x;                 // f(x) = x^3, recorded as a graph
//
//   // First derivative. create_graph = true records the backward pass as
//   // ordinary operations, so the result is differentiable again.
//   Tensor<double> df = grad(f, {x}, GradOptions{/*create_graph=*/true})[0];  // 3x^2 = 27
//
//   // Second derivative: differentiate the derivative.
//   Tensor<double> d2f = grad(df, {x})[0];                                     // 6x = 18
//
// How it works: every Tensor is a handle to a Node holding a value (an Eigen
// row-major matrix), the Tensors it was computed from, and a backward rule.
// grad() walks the graph from the output back to the inputs, calling each
// backward rule with the gradient of the output. The backward rules are
// written with the same differentiable operations as the forward pass
// (matmul, mul, ...). With create_graph = false they run in "no-grad" mode and
// build nothing; with create_graph = true they build a new graph that
// grad() can walk again: a Hessian-vector product, or MAML's meta-gradient
// through an inner gradient step, is then just a second call to grad().
//
// Everything is 2-D: a vector is a 1 x n or n x 1 matrix, a scalar is 1 x 1,
// and a batch of images is stored pixel-major as [N*H*W, C] rows (see ops.h).
// The engine is templated on the scalar type: float for training, double for
// the finite-difference checks in the tests.
//
// Threads: there is no global graph. Each thread may build and differentiate
// its own graphs (sharing read-only leaf parameters) at the same time; the only
// per-thread state is the GradMode switch.
#pragma once

#include <Eigen/Core>
#include <functional>
#include <initializer_list>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace metalab::ad {

template <typename T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Thrown when operands have incompatible shapes or an argument is invalid; the
// message names the operation and the shapes involved.
class ShapeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

template <typename T>
class Tensor;

template <typename T>
struct Node;

template <typename T>
class Tensor {
 public:
  using Scalar = T;
  Tensor() = default;  // an undefined tensor
  explicit Tensor(Mat<T> value, bool requires_grad = false);

  static Tensor scalar(T v) { return Tensor(Mat<T>::Constant(1, 1, v)); }
  static Tensor zeros(Eigen::Index rows, Eigen::Index cols) { return Tensor(Mat<T>::Zero(rows, cols)); }
  static Tensor ones(Eigen::Index rows, Eigen::Index cols) { return Tensor(Mat<T>::Ones(rows, cols)); }
  static Tensor full(Eigen::Index rows, Eigen::Index cols, T v) { return Tensor(Mat<T>::Constant(rows, cols, v)); }

  bool defined() const { return node_ != nullptr; }
  const Mat<T>& value() const { return node_->value; }
  // In-place access for optimizers updating leaf parameters between graphs.
  Mat<T>& mutable_value() { return node_->value; }
  Eigen::Index rows() const { return node_->value.rows(); }
  Eigen::Index cols() const { return node_->value.cols(); }
  Eigen::Index size() const { return node_->value.size(); }
  std::string shape_string() const;
  // The value of a 1 x 1 tensor (throws ShapeError otherwise).
  T item() const;

  [[nodiscard]] bool requires_grad() const { return node_ && node_->requires_grad; }
  // Marks a leaf as a variable to differentiate with respect to (returns *this).
  Tensor& set_requires_grad(bool on = true);
  // A new leaf with a copy of the value and no history.
  Tensor detach() const { return Tensor(node_->value, false); }
  const char* op() const { return node_ ? node_->op : "undefined"; }

  Node<T>* node() const { return node_.get(); }
  const std::shared_ptr<Node<T>>& node_ptr() const { return node_; }
  static Tensor from_node(std::shared_ptr<Node<T>> node) {
    Tensor t;
    t.node_ = std::move(node);
    return t;
  }
  // Moves the handle out, leaving this tensor undefined (for ~Node).
  std::shared_ptr<Node<T>> release() { return std::move(node_); }

 private:
  std::shared_ptr<Node<T>> node_;
};

// The inputs a node records: up to three in place (every operation but the
// concatenations), more on the heap. A list, not a std::vector, so that
// building a node allocates nothing for them.
template <typename T>
class Inputs {
 public:
  Inputs() = default;
  template <typename It>
  void assign(It first, It last) {
    clear();
    for (; first != last; ++first) push_back(*first);
  }
  void push_back(const Tensor<T>& t) {
    if (size_ < kInline) {
      inline_[size_] = t;
    } else {
      if (size_ == kInline) heap_.assign(inline_, inline_ + kInline);
      heap_.push_back(t);
    }
    ++size_;
  }
  void clear() {
    for (std::size_t i = 0; i < kInline; ++i) inline_[i] = Tensor<T>();
    heap_.clear();
    size_ = 0;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Tensor<T>& operator[](std::size_t i) const { return size_ > kInline ? heap_[i] : inline_[i]; }
  Tensor<T>& operator[](std::size_t i) { return size_ > kInline ? heap_[i] : inline_[i]; }
  const Tensor<T>* begin() const { return size_ > kInline ? heap_.data() : inline_; }
  const Tensor<T>* end() const { return begin() + size_; }

 private:
  static constexpr std::size_t kInline = 3;
  Tensor<T> inline_[kInline];
  std::vector<Tensor<T>> heap_;  // all of them, once there are more than kInline
  std::size_t size_ = 0;
};

// A node's backward rule: a move-only callable stored in place when its
// captures fit in kInline bytes (every rule in ops.cpp), on the heap
// otherwise. std::function would allocate for any capture that is not
// trivially copyable, such as the shared_ptr most index and mask rules keep,
// on every node of every training step.
template <typename T>
class BackwardRule {
 public:
  BackwardRule() = default;
  ~BackwardRule() { reset(); }
  BackwardRule(const BackwardRule&) = delete;
  BackwardRule& operator=(const BackwardRule&) = delete;

  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, BackwardRule>>>
  BackwardRule& operator=(F&& rule) {
    reset();
    using Fn = std::decay_t<F>;
    if constexpr (sizeof(Fn) <= kInline && alignof(Fn) <= alignof(std::max_align_t)) {
      ::new (static_cast<void*>(storage_)) Fn(std::forward<F>(rule));
      call_ = [](const void* self, const Inputs<T>& in, const Tensor<T>& out, const Tensor<T>& g,
                 std::vector<Tensor<T>>& gi) { (*static_cast<const Fn*>(self))(in, out, g, gi); };
      destroy_ = [](void* self) { static_cast<Fn*>(self)->~Fn(); };
    } else {
      *reinterpret_cast<Fn**>(storage_) = new Fn(std::forward<F>(rule));
      call_ = [](const void* self, const Inputs<T>& in, const Tensor<T>& out, const Tensor<T>& g,
                 std::vector<Tensor<T>>& gi) { (**static_cast<Fn* const*>(self))(in, out, g, gi); };
      destroy_ = [](void* self) { delete *static_cast<Fn**>(self); };
    }
    return *this;
  }

  explicit operator bool() const { return call_ != nullptr; }
  void operator()(const Inputs<T>& inputs, const Tensor<T>& output, const Tensor<T>& grad_out,
                  std::vector<Tensor<T>>& grad_in) const {
    call_(storage_, inputs, output, grad_out, grad_in);
  }
  void reset() {
    if (destroy_) destroy_(storage_);
    call_ = nullptr;
    destroy_ = nullptr;
  }

 private:
  static constexpr std::size_t kInline = 48;
  using Call = void (*)(const void*, const Inputs<T>&, const Tensor<T>&, const Tensor<T>&, std::vector<Tensor<T>>&);
  alignas(std::max_align_t) unsigned char storage_[kInline];
  Call call_ = nullptr;
  void (*destroy_)(void*) = nullptr;
};

template <typename T>
struct Node {
  // Gradient rule: given the node's inputs, its output and d(loss)/d(output) as
  // grad_out, append d(loss)/d(input_i) for every input to grad_in, in order
  // (an undefined Tensor means "no contribution", e.g. for a constant input).
  using Backward = BackwardRule<T>;
  Mat<T> value;
  Inputs<T> inputs;  // recorded only when the result requires grad
  Backward backward;
  const char* op = "leaf";
  bool requires_grad = false;

  Node() = default;
  // Without recursion: the inputs only this node keeps alive are released
  // from a work list, so that a long chain (20,000 sequential ops natively,
  // far fewer on the browser's small stack) cannot overflow the stack.
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
};


// Whether operations record a graph on this thread. grad() switches it off
// while running backward rules unless create_graph is set.
class GradMode {
 public:
  static bool enabled();
  static void set_enabled(bool on);
};

// RAII: disables graph recording in a scope (evaluation, optimizer updates).
class NoGradGuard {
 public:
  NoGradGuard() : previous_(GradMode::enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// RAII: enables graph recording in a scope, whatever the caller chose. Code
// that must differentiate (an inner adaptation loop called from an evaluation
// under NoGradGuard) opens one of these.
class EnableGradGuard {
 public:
  EnableGradGuard() : previous_(GradMode::enabled()) { GradMode::set_enabled(true); }
  ~EnableGradGuard() { GradMode::set_enabled(previous_); }
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool previous_;
};

struct GradOptions {
  // Record the backward pass so the returned gradients can be differentiated.
  bool create_graph = false;
};

// Gradients of a scalar (1 x 1) output with respect to each input. Inputs the
// output does not depend on get a zero gradient of their shape.
template <typename T>
std::vector<Tensor<T>> grad(const Tensor<T>& output, const std::vector<Tensor<T>>& inputs,
                            GradOptions options = {});

// Vector-Jacobian product: sum_k grad_outputs[k] . d outputs[k] / d inputs.
template <typename T>
std::vector<Tensor<T>> grad(const std::vector<Tensor<T>>& outputs, const std::vector<Tensor<T>>& grad_outputs,
                            const std::vector<Tensor<T>>& inputs, GradOptions options = {});

// A rows x cols matrix for an operation's result, its contents unspecified.
// Its buffer is that of a value of the same size freed on this thread when
// there is one: a training step frees and rebuilds thousands of small
// matrices of a few sizes, and taking one back is many times cheaper than
// malloc. A thread keeps at most 32 MB of such buffers, none over 4 MB.
//   Mat<float> v = new_value<float>(10, 40);
//   v.setZero();
template <typename T>
Mat<T> new_value(Eigen::Index rows, Eigen::Index cols);

// The value of an Eigen expression, in a buffer from new_value.
template <typename T, typename Expr>
Mat<T> new_value_of(const Eigen::DenseBase<Expr>& e) {
  Mat<T> v = new_value<T>(e.rows(), e.cols());
  v.array() = e.derived().array();
  return v;
}

namespace detail {
// Gives a value's buffer to this thread's pool for new_value (or frees it).
template <typename T>
void recycle_value(Mat<T>&& value);

// A node holding value; it records the inputs (and *record is set) only if
// grad mode is on and one of them requires grad.
template <typename T>
std::shared_ptr<Node<T>> result_node(Mat<T>&& value, const char* op, const Tensor<T>* first, const Tensor<T>* last,
                                     bool* record);
}  // namespace detail

// Builds the result of an operation: records inputs and the backward rule only
// if grad mode is on and some input requires grad (the rule, any callable with
// Node::Backward's signature, is not even stored otherwise). For use by ops.
template <typename T, typename F>
Tensor<T> make_result(Mat<T>&& value, const char* op, std::initializer_list<Tensor<T>> inputs, F&& backward) {
  bool record = false;
  auto node = detail::result_node<T>(std::move(value), op, inputs.begin(), inputs.end(), &record);
  if (record) node->backward = std::forward<F>(backward);
  return Tensor<T>::from_node(std::move(node));
}
template <typename T, typename F>
Tensor<T> make_result(Mat<T>&& value, const char* op, const std::vector<Tensor<T>>& inputs, F&& backward) {
  bool record = false;
  auto node = detail::result_node<T>(std::move(value), op, inputs.data(), inputs.data() + inputs.size(), &record);
  if (record) node->backward = std::forward<F>(backward);
  return Tensor<T>::from_node(std::move(node));
}

}  // namespace metalab::ad
