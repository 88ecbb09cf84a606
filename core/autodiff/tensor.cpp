// The graph walk behind grad(): topological order, then backward rules from the
// output to the inputs, accumulating gradients with differentiable additions.
#include "core/autodiff/tensor.h"

#include <algorithm>
#include <cstdint>
#include <sstream>

#include "core/autodiff/ops.h"

namespace metalab::ad {

namespace {
thread_local bool grad_mode_enabled = true;

// Restores grad mode on scope exit, including when a backward rule throws.
class GradModeScope {
 public:
  explicit GradModeScope(bool on) : previous_(GradMode::enabled()) { GradMode::set_enabled(on); }
  ~GradModeScope() { GradMode::set_enabled(previous_); }

 private:
  bool previous_;
};

// node -> int with open addressing (linear probing over a power-of-two
// table): grad() looks every node up several times, and std::unordered_map
// allocates for every entry.
class NodeMap {
 public:
  explicit NodeMap(std::size_t expected) { clear(expected); }
  // Empty, with room for about `expected` keys (reusing the table's memory).
  void clear(std::size_t expected) { reset(std::max<std::size_t>(16, 2 * expected)); }
  // The value of key, or null.
  int* find(const void* key) {
    for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
      if (keys_[i] == key) return &values_[i];
      if (!keys_[i]) return nullptr;
    }
  }
  bool contains(const void* key) { return find(key) != nullptr; }
  // The value of key, inserted as `fresh` first if absent.
  int& get(const void* key, int fresh) {
    if (2 * (used_ + 1) > keys_.size()) grow();
    std::size_t i = slot(key);
    for (; keys_[i]; i = (i + 1) & mask_)
      if (keys_[i] == key) return values_[i];
    keys_[i] = key;
    values_[i] = fresh;
    ++used_;
    return values_[i];
  }

 private:
  std::size_t slot(const void* key) const {
    return static_cast<std::size_t>((reinterpret_cast<std::uintptr_t>(key) >> 4) * 0x9E3779B97F4A7C15ULL) & mask_;
  }
  void reset(std::size_t at_least) {
    std::size_t n = 16;
    while (n < at_least) n *= 2;
    keys_.assign(n, nullptr);
    values_.assign(n, 0);
    mask_ = n - 1;
    used_ = 0;
  }
  void grow() {
    std::vector<const void*> keys = std::move(keys_);
    std::vector<int> values = std::move(values_);
    reset(2 * keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (keys[i]) get(keys[i], values[i]);
  }
  std::vector<const void*> keys_;
  std::vector<int> values_;
  std::size_t used_ = 0, mask_ = 0;
};

// Graph nodes come from a free list of blocks per thread: a training step
// builds and frees thousands of nodes of one size, and taking a block from
// the list is many times cheaper than malloc. A block freed on another thread
// joins that thread's list; a list keeps at most kMaxFree blocks and returns
// the rest (and everything at thread exit) to the heap.
class BlockPool {
 public:
  explicit BlockPool(std::size_t size) : size_(size) {}
  ~BlockPool() {
    while (head_) {
      Free* next = head_->next;
      ::operator delete(head_);
      head_ = next;
    }
  }
  void* take() {
    if (!head_) return ::operator new(size_);
    Free* block = head_;
    head_ = block->next;
    --count_;
    return block;
  }
  void give(void* p) {
    if (count_ >= kMaxFree) {
      ::operator delete(p);
      return;
    }
    Free* block = static_cast<Free*>(p);
    block->next = head_;
    head_ = block;
    ++count_;
  }

 private:
  struct Free {
    Free* next;
  };
  static constexpr std::size_t kMaxFree = 1 << 16;
  std::size_t size_;
  Free* head_ = nullptr;
  std::size_t count_ = 0;
};

// The allocator of std::allocate_shared for nodes (node and reference count
// in one block, from the pool of its size).
template <typename U>
struct PoolAllocator {
  using value_type = U;
  PoolAllocator() = default;
  template <typename V>
  PoolAllocator(const PoolAllocator<V>&) {}
  static BlockPool& pool() {
    thread_local BlockPool blocks(sizeof(U));
    return blocks;
  }
  U* allocate(std::size_t n) {
    if (n != 1) return static_cast<U*>(::operator new(n * sizeof(U)));
    return static_cast<U*>(pool().take());
  }
  void deallocate(U* p, std::size_t n) {
    if (n != 1) ::operator delete(p);
    else pool().give(p);
  }
  template <typename V>
  bool operator==(const PoolAllocator<V>&) const { return true; }
  template <typename V>
  bool operator!=(const PoolAllocator<V>&) const { return false; }
};

template <typename T>
std::shared_ptr<Node<T>> new_node() {
  return std::allocate_shared<Node<T>>(PoolAllocator<Node<T>>());
}

// The buffers behind new_value: per thread, freed values grouped by element
// count (a step uses a few dozen sizes, so a linear search over them is
// cheap), within a byte budget.
template <typename T>
class ValuePool {
 public:
  static constexpr std::size_t kMaxBytes = std::size_t{32} << 20;
  static constexpr Eigen::Index kMaxElements = (Eigen::Index{4} << 20) / static_cast<Eigen::Index>(sizeof(T));
  static constexpr std::size_t kMaxSizes = 64;

  // This thread's pool, or null once it has been destroyed at thread exit
  // (nodes can still die after it, e.g. in other thread-local objects).
  static ValuePool* of_this_thread() {
    thread_local bool gone = false;
    struct Holder {
      ValuePool pool;
      bool* gone;
      ~Holder() { *gone = true; }
    };
    if (gone) return nullptr;
    thread_local Holder holder{ValuePool(), &gone};
    return &holder.pool;
  }

  Mat<T> take(Eigen::Index rows, Eigen::Index cols) {
    const Eigen::Index n = rows * cols;
    if (std::vector<Mat<T>>* free = find(n); free && !free->empty()) {
      Mat<T> m = std::move(free->back());
      free->pop_back();
      bytes_ -= static_cast<std::size_t>(n) * sizeof(T);
      m.resize(rows, cols);  // the same number of elements: Eigen keeps the buffer
      return m;
    }
    return Mat<T>(rows, cols);
  }

  void give(Mat<T>&& m) {
    const Eigen::Index n = m.size();
    const std::size_t bytes = static_cast<std::size_t>(n) * sizeof(T);
    if (n == 0 || n > kMaxElements || bytes_ + bytes > kMaxBytes) return;  // freed by the caller
    std::vector<Mat<T>>* free = find(n);
    if (!free) {
      if (sizes_.size() == kMaxSizes) return;
      sizes_.push_back(n);
      free_.emplace_back();
      free = &free_.back();
    }
    free->push_back(std::move(m));
    bytes_ += bytes;
  }

 private:
  std::vector<Mat<T>>* find(Eigen::Index n) {
    for (std::size_t i = 0; i < sizes_.size(); ++i)
      if (sizes_[i] == n) return &free_[i];
    return nullptr;
  }
  std::vector<Eigen::Index> sizes_;
  std::vector<std::vector<Mat<T>>> free_;  // free_[i]: buffers of sizes_[i] elements
  std::size_t bytes_ = 0;
};
}  // namespace

// Under AddressSanitizer values are not recycled, so that a use after free stays visible.
#if defined(__SANITIZE_ADDRESS__)
#define METALAB_RECYCLE_VALUES 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define METALAB_RECYCLE_VALUES 0
#endif
#endif
#ifndef METALAB_RECYCLE_VALUES
#define METALAB_RECYCLE_VALUES 1
#endif

template <typename T>
Mat<T> new_value(Eigen::Index rows, Eigen::Index cols) {
  if (METALAB_RECYCLE_VALUES)
    if (ValuePool<T>* pool = ValuePool<T>::of_this_thread()) return pool->take(rows, cols);
  return Mat<T>(rows, cols);
}

template <typename T>
void detail::recycle_value(Mat<T>&& value) {
  if (METALAB_RECYCLE_VALUES)
    if (ValuePool<T>* pool = ValuePool<T>::of_this_thread()) pool->give(std::move(value));
}

// Destroying a node drops its inputs, which may destroy them in turn: one
// stack frame per node of a chain. Instead, the first node destroyed on a
// thread drains a work list, and nodes destroyed meanwhile only add their
// inputs to it.
template <typename T>
Node<T>::~Node() {
  detail::recycle_value(std::move(value));
  thread_local std::vector<std::shared_ptr<Node<T>>> pending;
  thread_local bool draining = false;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].defined()) pending.push_back(inputs[i].release());
  inputs.clear();
  if (draining) return;
  draining = true;
  while (!pending.empty()) {
    std::shared_ptr<Node<T>> n = std::move(pending.back());
    pending.pop_back();
    n.reset();  // the last owner: ~Node adds n's inputs to pending
  }
  draining = false;
}

bool GradMode::enabled() { return grad_mode_enabled; }
void GradMode::set_enabled(bool on) { grad_mode_enabled = on; }

template <typename T>
Tensor<T>::Tensor(Mat<T> value, bool requires_grad) : node_(new_node<T>()) {
  node_->value = std::move(value);
  node_->requires_grad = requires_grad;
}

template <typename T>
std::string Tensor<T>::shape_string() const {
  if (!node_) return "[undefined]";
  std::ostringstream s;
  s << "[" << rows() << "x" << cols() << "]";
  return s.str();
}

template <typename T>
T Tensor<T>::item() const {
  if (!node_ || rows() != 1 || cols() != 1)
    throw ShapeError("item: expected a 1x1 tensor, got " + shape_string());
  return node_->value(0, 0);
}

template <typename T>
Tensor<T>& Tensor<T>::set_requires_grad(bool on) {
  if (!node_) throw ShapeError("set_requires_grad: tensor is undefined");
  if (!node_->inputs.empty())
    throw ShapeError(std::string("set_requires_grad: only leaves can be marked; this tensor comes from ") + node_->op);
  node_->requires_grad = on;
  return *this;
}

namespace detail {
template <typename T>
std::shared_ptr<Node<T>> result_node(Mat<T>&& value, const char* op, const Tensor<T>* first, const Tensor<T>* last,
                                     bool* record) {
  auto node = new_node<T>();
  node->value = std::move(value);
  node->op = op;
  *record = false;
  if (GradMode::enabled()) {
    for (const Tensor<T>* it = first; it != last; ++it) *record = *record || it->requires_grad();
    if (*record) {
      node->requires_grad = true;
      node->inputs.assign(first, last);
    }
  }
  return node;
}
}  // namespace detail

namespace {
// grad()'s scratch, kept per thread between calls (a training step calls
// grad() a few times on graphs of thousands of nodes). Nodes get ids in the
// order they are found; edges[first_edge[id] ...] are the ids of a node's
// inputs (-1: an input that does not require grad).
template <typename T>
struct GradWalk {
  NodeMap ids{256};
  std::vector<Node<T>*> nodes;
  std::vector<const Tensor<T>*> handles;  // the output or the parent's input that points to the node
  std::vector<int> first_edge, edges, order;
  std::vector<char> state, needed;  // state: 0 found, 1 on the stack, 2 done
  std::vector<Tensor<T>> grads;
  void clear(std::size_t expected) {
    ids.clear(expected);
    nodes.clear();
    handles.clear();
    first_edge.clear();
    edges.clear();
    order.clear();
    state.clear();
    needed.clear();
    grads.clear();
  }
};

// Lends this thread's GradWalk to one grad() call (a nested call gets its own).
template <typename T>
class BorrowedWalk {
 public:
  BorrowedWalk() : walk_(std::move(spare())) {
    if (!walk_) walk_ = std::make_unique<GradWalk<T>>();
    walk_->clear(expected());
  }
  ~BorrowedWalk() {
    expected() = walk_->nodes.size();
    walk_->grads.clear();  // the gradients' references; the rest is cleared on the next call
    if (!spare()) spare() = std::move(walk_);
  }
  GradWalk<T>& operator*() { return *walk_; }

 private:
  static std::unique_ptr<GradWalk<T>>& spare() {
    thread_local std::unique_ptr<GradWalk<T>> walk;
    return walk;
  }
  static std::size_t& expected() {  // the last graph's size: the id table starts that large
    thread_local std::size_t n = 256;
    return n;
  }
  std::unique_ptr<GradWalk<T>> walk_;
};
}  // namespace

template <typename T>
std::vector<Tensor<T>> grad(const std::vector<Tensor<T>>& outputs, const std::vector<Tensor<T>>& grad_outputs,
                            const std::vector<Tensor<T>>& inputs, GradOptions options) {
  if (outputs.size() != grad_outputs.size())
    throw ShapeError("grad: " + std::to_string(outputs.size()) + " outputs but " +
                     std::to_string(grad_outputs.size()) + " output gradients");
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    if (!outputs[k].defined() || !grad_outputs[k].defined()) throw ShapeError("grad: undefined output or gradient");
    if (outputs[k].rows() != grad_outputs[k].rows() || outputs[k].cols() != grad_outputs[k].cols())
      throw ShapeError("grad: output " + outputs[k].shape_string() + " and its gradient " +
                       grad_outputs[k].shape_string() + " differ in shape");
  }

  // Which nodes are wanted.
  NodeMap wanted(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) throw ShapeError("grad: input " + std::to_string(i) + " is undefined");
    wanted.get(inputs[i].node(), static_cast<int>(i));
  }

  BorrowedWalk<T> borrowed;
  GradWalk<T>& w = *borrowed;
  // The id of a node that requires grad, found now if it is new: its inputs'
  // ids are resolved at once, so that every edge is looked up only here.
  auto id_of = [&](Node<T>* node, const Tensor<T>* handle) -> int {
    const int fresh = static_cast<int>(w.nodes.size());
    const int id = w.ids.get(node, fresh);
    if (id != fresh) return id;
    w.nodes.push_back(node);
    w.handles.push_back(handle);
    w.state.push_back(0);
    w.needed.push_back(0);
    w.first_edge.push_back(-1);
    return id;
  };
  auto expand = [&](int id) {
    Node<T>* node = w.nodes[static_cast<std::size_t>(id)];
    const int first = static_cast<int>(w.edges.size());
    w.first_edge[static_cast<std::size_t>(id)] = first;
    for (std::size_t j = 0; j < node->inputs.size(); ++j) w.edges.push_back(-1);
    for (std::size_t j = 0; j < node->inputs.size(); ++j) {
      const Tensor<T>& input = node->inputs[j];
      if (input.node()->requires_grad) {
        const int child = id_of(input.node(), &input);  // may grow edges' neighbours, not edges
        w.edges[static_cast<std::size_t>(first) + j] = child;
      }
    }
  };

  // Post-order DFS over nodes that require grad; a node is "needed" if it is
  // wanted or leads to a wanted node. Iterative to survive long graphs (BPTT).
  struct Frame {
    int id;
    std::size_t next_input;
  };
  std::vector<Frame> stack;
  for (const auto& out : outputs) {
    if (!out.requires_grad()) continue;
    const int root = id_of(out.node(), &out);
    if (w.state[static_cast<std::size_t>(root)] != 0) continue;
    w.state[static_cast<std::size_t>(root)] = 1;
    expand(root);
    stack.push_back({root, 0});
    while (!stack.empty()) {
      Frame& f = stack.back();
      const std::size_t id = static_cast<std::size_t>(f.id);
      const std::size_t n_inputs = w.nodes[id]->inputs.size();
      if (f.next_input < n_inputs) {
        const int child = w.edges[static_cast<std::size_t>(w.first_edge[id]) + f.next_input++];
        if (child >= 0 && w.state[static_cast<std::size_t>(child)] == 0) {
          w.state[static_cast<std::size_t>(child)] = 1;
          expand(child);
          stack.push_back({child, 0});
        }
        continue;
      }
      bool is_needed = wanted.contains(w.nodes[id]);
      for (std::size_t j = 0; j < n_inputs && !is_needed; ++j) {
        const int child = w.edges[static_cast<std::size_t>(w.first_edge[id]) + j];
        if (child >= 0 && w.needed[static_cast<std::size_t>(child)]) is_needed = true;
      }
      w.needed[id] = is_needed ? 1 : 0;
      w.state[id] = 2;
      w.order.push_back(f.id);
      stack.pop_back();
    }
  }

  GradModeScope mode(options.create_graph);
  w.grads.resize(w.nodes.size());
  auto accumulate = [&](int slot, const Tensor<T>& g) {
    if (!g.defined()) return;
    Tensor<T>& sum = w.grads[static_cast<std::size_t>(slot)];
    if (!sum.defined()) {
      sum = g;
    } else if (!options.create_graph && sum.node_ptr().use_count() == 1) {
      // A sum only this walk holds (no rule's result, input or output aliases it) grows
      // in place: a recurrent net's weight gradient gathers one term per time step.
      sum.mutable_value() += g.value();
    } else {
      sum = add(sum, g);
    }
  };
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    const int* at = w.ids.find(outputs[k].node());
    if (at) accumulate(*at, grad_outputs[k]);
  }

  std::vector<Tensor<T>> grad_in;
  grad_in.reserve(4);
  for (auto it = w.order.rbegin(); it != w.order.rend(); ++it) {
    const std::size_t id = static_cast<std::size_t>(*it);
    Node<T>* node = w.nodes[id];
    if (!w.needed[id] || !w.grads[id].defined() || !node->backward) continue;
    grad_in.clear();
    // The handle that points to the node: with create_graph, rules that use their output
    // (exp, tanh, div, softmax, ...) record it in the gradient graph, which copies it and so
    // keeps the node alive beyond every other handle to the forward graph (MAML drops the
    // support loss).
    node->backward(node->inputs, *w.handles[id], w.grads[id], grad_in);
    if (grad_in.size() != node->inputs.size())
      throw std::logic_error(std::string("grad: backward of ") + node->op + " returned the wrong number of gradients");
    for (std::size_t j = 0; j < grad_in.size(); ++j) {
      const int child = w.edges[static_cast<std::size_t>(w.first_edge[id]) + j];
      if (child < 0 || !w.needed[static_cast<std::size_t>(child)]) continue;
      const Tensor<T>& g = grad_in[j];
      if (g.defined() && (g.rows() != node->inputs[j].rows() || g.cols() != node->inputs[j].cols()))
        throw std::logic_error(std::string("grad: backward of ") + node->op + " gave gradient " + g.shape_string() +
                               " for input " + node->inputs[j].shape_string());
      accumulate(child, g);
    }
    if (!wanted.contains(node)) w.grads[id] = Tensor<T>();  // free intermediate gradients early
  }

  std::vector<Tensor<T>> result;
  result.reserve(inputs.size());
  for (const auto& in : inputs) {
    const int* at = w.ids.find(in.node());
    if (at && w.state[static_cast<std::size_t>(*at)] == 2 && w.grads[static_cast<std::size_t>(*at)].defined()) {
      result.push_back(w.grads[static_cast<std::size_t>(*at)]);
    } else {
      result.push_back(Tensor<T>::zeros(in.rows(), in.cols()));
    }
  }
  return result;
}

template <typename T>
std::vector<Tensor<T>> grad(const Tensor<T>& output, const std::vector<Tensor<T>>& inputs, GradOptions options) {
  if (!output.defined()) throw ShapeError("grad: output is undefined");
  if (output.rows() != 1 || output.cols() != 1)
    throw ShapeError("grad: output must be a 1x1 scalar, got " + output.shape_string() +
                     " (pass grad_outputs for non-scalar outputs)");
  return grad(std::vector<Tensor<T>>{output}, std::vector<Tensor<T>>{Tensor<T>::scalar(T(1))}, inputs, options);
}

#define METALAB_INSTANTIATE_TENSOR(T)                                                                           \
  template class Tensor<T>;                                                                                    \
  template struct Node<T>;                                                                                     \
  template std::shared_ptr<Node<T>> detail::result_node(Mat<T>&&, const char*, const Tensor<T>*, const Tensor<T>*, \
                                                        bool*);                                               \
  template std::vector<Tensor<T>> grad(const std::vector<Tensor<T>>&, const std::vector<Tensor<T>>&,          \
                                       const std::vector<Tensor<T>>&, GradOptions);                           \
  template std::vector<Tensor<T>> grad(const Tensor<T>&, const std::vector<Tensor<T>>&, GradOptions);         \
  template Mat<T> new_value(Eigen::Index, Eigen::Index);                                                       \
  template void detail::recycle_value(Mat<T>&&);

METALAB_INSTANTIATE_TENSOR(float)
METALAB_INSTANTIATE_TENSOR(double)

}  // namespace metalab::ad
