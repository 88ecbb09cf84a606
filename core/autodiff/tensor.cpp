// The graph walk behind grad(): topological order, then backward rules from the
// output to the inputs, accumulating gradients with differentiable additions.
#include "core/autodiff/tensor.h"

#include <sstream>
#include <unordered_map>

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

// Deletes a node without recursion. Destroying a node drops its inputs, which
// may destroy them in turn: one stack frame per node of a chain, so a long graph
// (20,000 sequential ops natively, far fewer on the browser's small stack)
// would overflow. Instead, the inputs that only this node keeps alive are
// detached and released from an explicit work list.
template <typename T>
void delete_node(Node<T>* node) {
  std::vector<std::shared_ptr<Node<T>>> pending;
  auto take_inputs = [&pending](Node<T>* n) {
    for (const auto& in : n->inputs)
      if (in.defined()) pending.push_back(in.node_ptr());
    n->inputs.clear();
  };
  take_inputs(node);
  delete node;
  while (!pending.empty()) {
    std::shared_ptr<Node<T>> n = std::move(pending.back());
    pending.pop_back();
    if (n.use_count() == 1) take_inputs(n.get());  // the last owner: n dies below with no inputs left
  }
}

template <typename T>
std::shared_ptr<Node<T>> new_node() {
  return std::shared_ptr<Node<T>>(new Node<T>(), delete_node<T>);
}
}  // namespace

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

namespace {
// Records inputs and the backward rule only if grad mode is on and some input
// requires grad; shared by both make_result overloads.
template <typename T, typename It>
Tensor<T> make_result_from(Mat<T>&& value, const char* op, It first, It last, typename Node<T>::Backward backward) {
  auto node = new_node<T>();
  node->value = std::move(value);
  node->op = op;
  if (GradMode::enabled()) {
    bool any = false;
    for (It it = first; it != last; ++it) any = any || it->requires_grad();
    if (any) {
      node->requires_grad = true;
      node->inputs.assign(first, last);
      node->backward = std::move(backward);
    }
  }
  return Tensor<T>::from_node(std::move(node));
}
}  // namespace

template <typename T>
Tensor<T> make_result(Mat<T>&& value, const char* op, const std::vector<Tensor<T>>& inputs,
                      typename Node<T>::Backward backward) {
  return make_result_from<T>(std::move(value), op, inputs.begin(), inputs.end(), std::move(backward));
}

template <typename T>
Tensor<T> make_result(Mat<T>&& value, const char* op, std::initializer_list<Tensor<T>> inputs,
                      typename Node<T>::Backward backward) {
  return make_result_from<T>(std::move(value), op, inputs.begin(), inputs.end(), std::move(backward));
}

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

  // Which nodes are wanted, and where their gradients go.
  std::unordered_map<const Node<T>*, int> wanted;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) throw ShapeError("grad: input " + std::to_string(i) + " is undefined");
    wanted.emplace(inputs[i].node(), static_cast<int>(i));
  }

  // Post-order DFS over nodes that require grad; a node is "needed" if it is
  // wanted or leads to a wanted node. Iterative to survive long graphs (BPTT).
  std::vector<Node<T>*> order;
  std::vector<Tensor<T>> handles;  // owning handles to the nodes in order (see self below)
  std::unordered_map<const Node<T>*, int> index;  // node -> position in order, or -1 while visiting
  std::vector<char> needed;
  struct Frame {
    Node<T>* node;
    const Tensor<T>* handle;  // the output or the parent's input that points to node
    std::size_t next_input;
  };
  std::vector<Frame> stack;
  for (const auto& out : outputs) {
    if (!out.requires_grad() || index.count(out.node())) continue;
    stack.push_back({out.node(), &out, 0});
    index[out.node()] = -1;
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.next_input < f.node->inputs.size()) {
        const Tensor<T>& input = f.node->inputs[f.next_input++];
        Node<T>* child = input.node();
        if (child->requires_grad && !index.count(child)) {
          index[child] = -1;
          stack.push_back({child, &input, 0});
        }
        continue;
      }
      bool is_needed = wanted.count(f.node) > 0;
      for (const auto& in : f.node->inputs) {
        auto it = index.find(in.node());
        if (it != index.end() && it->second >= 0 && needed[it->second]) is_needed = true;
      }
      index[f.node] = static_cast<int>(order.size());
      order.push_back(f.node);
      handles.push_back(*f.handle);
      needed.push_back(is_needed ? 1 : 0);
      stack.pop_back();
    }
  }

  GradModeScope mode(options.create_graph);
  std::vector<Tensor<T>> grads(order.size());
  auto accumulate = [&](int slot, const Tensor<T>& g) {
    if (!g.defined()) return;
    grads[slot] = grads[slot].defined() ? add(grads[slot], g) : g;
  };
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    auto it = index.find(outputs[k].node());
    if (it != index.end()) accumulate(it->second, grad_outputs[k]);
  }

  std::vector<Tensor<T>> grad_in;
  for (int i = static_cast<int>(order.size()) - 1; i >= 0; --i) {
    Node<T>* node = order[i];
    if (!needed[i] || !grads[i].defined() || !node->backward) continue;
    grad_in.clear();
    // An owning handle: with create_graph, rules that use their output (exp, tanh,
    // div, softmax, ...) record it in the gradient graph, which may outlive every
    // other handle to the forward graph (MAML drops the support loss).
    const Tensor<T>& self = handles[i];
    node->backward(node->inputs, self, grads[i], grad_in);
    if (grad_in.size() != node->inputs.size())
      throw std::logic_error(std::string("grad: backward of ") + node->op + " returned the wrong number of gradients");
    for (std::size_t j = 0; j < grad_in.size(); ++j) {
      auto it = index.find(node->inputs[j].node());
      if (it == index.end() || !needed[it->second]) continue;
      const Tensor<T>& g = grad_in[j];
      if (g.defined() && (g.rows() != node->inputs[j].rows() || g.cols() != node->inputs[j].cols()))
        throw std::logic_error(std::string("grad: backward of ") + node->op + " gave gradient " + g.shape_string() +
                               " for input " + node->inputs[j].shape_string());
      accumulate(it->second, g);
    }
    if (!wanted.count(node)) grads[i] = Tensor<T>();  // free intermediate gradients early
  }

  std::vector<Tensor<T>> result;
  result.reserve(inputs.size());
  for (const auto& in : inputs) {
    auto it = index.find(in.node());
    if (it != index.end() && grads[it->second].defined()) {
      result.push_back(grads[it->second]);
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
  template Tensor<T> make_result(Mat<T>&&, const char*, const std::vector<Tensor<T>>&, Node<T>::Backward);    \
  template Tensor<T> make_result(Mat<T>&&, const char*, std::initializer_list<Tensor<T>>, Node<T>::Backward); \
  template std::vector<Tensor<T>> grad(const std::vector<Tensor<T>>&, const std::vector<Tensor<T>>&,          \
                                       const std::vector<Tensor<T>>&, GradOptions);                           \
  template std::vector<Tensor<T>> grad(const Tensor<T>&, const std::vector<Tensor<T>>&, GradOptions);

METALAB_INSTANTIATE_TENSOR(float)
METALAB_INSTANTIATE_TENSOR(double)

}  // namespace metalab::ad
