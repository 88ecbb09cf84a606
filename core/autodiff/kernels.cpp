// Matrix products and convolutions on register tiles (kernels.h).
//
// [SECTION] register tiles: the micro-kernel and its operand access
// [SECTION] packing B panels and im2col blocks
// [SECTION] large products
// [SECTION] small products
// [SECTION] convolutions
// [SECTION] public entry points
#include "core/autodiff/kernels.h"

#include <algorithm>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace metalab::ad::kernels {

namespace {

namespace ei = Eigen::internal;

template <typename T>
struct Tile {
  using Packet = typename ei::packet_traits<T>::type;
  static constexpr int PS = ei::unpacket_traits<Packet>::size;  // lanes of a packet
  static constexpr int MR = 6;                                   // rows of a register tile
  static constexpr int NRP = 2;                                  // packets across a tile
  static constexpr int NR = NRP * PS;                            // columns of a register tile
};

// Blocking: a block of kRowBlock rows of A (and, for a convolution, its
// patches) stays in L2 while the register tiles stream it against panels of
// B (kc x NR each, packed once per call).
constexpr Index kKcMax = 640;     // depth of a block; a longer k is cut into equal blocks
constexpr Index kRowBlock = 96;   // rows of a block (a multiple of MR)
constexpr Index kNc = 1024;        // columns of B packed at once
// Products with fewer rows, or fewer multiply-adds, run without any packing.
constexpr Index kPackedMinRows = 48;
constexpr Index kSmallWork = 32 * 32 * 32;


// Threads for `blocks` independent blocks: Eigen's thread count natively with
// OpenMP, else 1.
int worker_threads(Index blocks) {
#ifdef _OPENMP
  return blocks > 1 ? std::max(1, Eigen::nbThreads()) : 1;
#else
  (void)blocks;
  return 1;
#endif
}

// Scratch that lives as long as its thread (one per OpenMP worker).
enum Scratch { kPanelsB, kBlockA, kEdge, kTransposed, kZeros };
template <typename T>
T* scratch(Scratch which, Index size) {
  thread_local std::vector<T> buffers[5];
  auto& b = buffers[which];
  if (static_cast<Index>(b.size()) < size) b.resize(static_cast<std::size_t>(size), T(0));
  return b.data();
}

// ---------------------------------------------------------------- [SECTION] register tiles

// The MR values of a tile's rows of A at successive depths, read in place:
// RowsA from MR row pointers (A row-major: depth runs along a row); StridedA
// from MR consecutive values that move by `step` per depth (A transposed, or
// a packed panel with step MR); TableA from one row pointer per depth (the
// patch rows of a convolution's weight gradient), at a fixed offset.
template <typename T>
struct RowsA {
  const T* row[Tile<T>::MR];
  T at(int r) const { return *row[r]; }
  void next() {
    for (int r = 0; r < Tile<T>::MR; ++r) ++row[r];
  }
};
template <typename T>
struct StridedA {
  const T* base;
  Index step;
  T at(int r) const { return base[r]; }
  void next() { base += step; }
};
template <typename T>
struct TableA {
  const T* const* rows;
  Index offset;
  T at(int r) const { return (*rows)[offset + r]; }
  void next() { ++rows; }
};

// The depth of a tile's product as runs of an accessor: one run of kc
// depths (Run), or a convolution's taps (Taps: for tap t the MR rows'
// input pixels under it, C channels each).
template <typename A>
struct Run {
  A a;
  Index kc;
  Index count() const { return 1; }
  const A& rows(Index) const { return a; }
  Index depth(Index) const { return kc; }
};
template <typename T>
struct Taps {
  const T* const* pixels;  // [taps][MR] row pointers into the image (or to zeros)
  Index taps, channels;
  Index count() const { return taps; }
  RowsA<T> rows(Index t) const {
    RowsA<T> a;
    for (int r = 0; r < Tile<T>::MR; ++r) a.row[r] = pixels[t * Tile<T>::MR + r];
    return a;
  }
  Index depth(Index) const { return channels; }
};

// c (MR x NR, row stride ldc) = A b over the runs' depths, plus c when load,
// else plus init (NR values repeated down the rows) or nothing. b holds a row
// of NR values per depth, ldb apart (a packed panel: ldb = NR).
template <typename T, typename Runs>
inline void micro_kernel(const Runs& runs, const T* __restrict b, Index ldb, T* c, Index ldc, bool load,
                         const T* init) {
  using P = typename Tile<T>::Packet;
  constexpr int PS = Tile<T>::PS, MR = Tile<T>::MR, NRP = Tile<T>::NRP;
  P acc[MR][NRP];
  if (load) {
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < NRP; ++j) acc[r][j] = ei::ploadu<P>(c + r * ldc + j * PS);
  } else {
    P start[NRP];
    for (int j = 0; j < NRP; ++j) start[j] = init ? ei::ploadu<P>(init + j * PS) : ei::pset1<P>(T(0));
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < NRP; ++j) acc[r][j] = start[j];
  }
  for (Index s = 0; s < runs.count(); ++s) {
    auto a = runs.rows(s);
    const Index kc = runs.depth(s);
    for (Index p = 0; p < kc; ++p) {
      P bp[NRP];
      for (int j = 0; j < NRP; ++j) bp[j] = ei::ploadu<P>(b + j * PS);
      for (int r = 0; r < MR; ++r) {
        const P ar = ei::pset1<P>(a.at(r));
        for (int j = 0; j < NRP; ++j) acc[r][j] = ei::pmadd(ar, bp[j], acc[r][j]);
      }
      a.next();
      b += ldb;
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NRP; ++j) ei::pstoreu(c + r * ldc + j * PS, acc[r][j]);
}

// One tile of c at (rows, cols) <= (MR, NR); a partial one goes through a
// full tile in scratch space (the runs' surplus rows are computed and dropped).
template <typename T, typename Runs>
inline void tile(const Runs& runs, const T* b, Index ldb, T* c, Index ldc, Index rows, Index cols, bool load,
                 const T* init) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  if (rows == MR && cols == NR) {
    micro_kernel<T>(runs, b, ldb, c, ldc, load, init);
    return;
  }
  T buf[MR * NR] = {};
  T init_row[NR] = {};
  if (load) {
    for (Index r = 0; r < rows; ++r)
      for (Index j = 0; j < cols; ++j) buf[r * NR + j] = c[r * ldc + j];
  } else if (init) {
    std::copy(init, init + cols, init_row);
  }
  micro_kernel<T>(runs, b, ldb, buf, NR, load, init ? init_row : nullptr);
  for (Index r = 0; r < rows; ++r)
    for (Index j = 0; j < cols; ++j) c[r * ldc + j] = buf[r * NR + j];
}
template <typename T, typename A>
inline void tile(Index kc, const A& a, const T* b, Index ldb, T* c, Index ldc, Index rows, Index cols, bool load,
                 const T* init) {
  tile<T>(Run<A>{a, kc}, b, ldb, c, ldc, rows, cols, load, init);
}

// Rows [i0, i0 + rows) of a row-major block (row stride ld), from column p0;
// missing rows repeat the last one.
template <typename T>
RowsA<T> rows_of(const T* data, Index ld, Index i0, Index rows, Index p0) {
  RowsA<T> a;
  for (Index r = 0; r < Tile<T>::MR; ++r) a.row[r] = data + (i0 + std::min(r, rows - 1)) * ld + p0;
  return a;
}

// ---------------------------------------------------------------- [SECTION] packing

// Columns [j0, j0 + cols) and depths [p0, p0 + kc) of op(b) as a panel
// dst[p * NR + j], zero past the edge.
template <typename T>
void pack_b(const Operand<T>& b, T* dst, Index j0, Index cols, Index p0, Index kc) {
  constexpr int NR = Tile<T>::NR;
  if (!b.transposed) {  // element (p, j) at data[p * stride + j]: a contiguous run per depth
    for (Index p = 0; p < kc; ++p) {
      const T* src = b.data + (p0 + p) * b.stride + j0;
      T* d = dst + p * NR;
      std::copy(src, src + cols, d);
      std::fill(d + cols, d + NR, T(0));
    }
    return;
  }
  for (Index j = 0; j < NR; ++j) {
    if (j >= cols) {
      for (Index p = 0; p < kc; ++p) dst[p * NR + j] = T(0);
      continue;
    }
    const T* src = b.data + (j0 + j) * b.stride + p0;
    for (Index p = 0; p < kc; ++p) dst[p * NR + j] = src[p];
  }
}

// All of op(b)'s columns [jc, jc + nc) at depths [p0, p0 + kc), panel after panel.
template <typename T>
T* pack_b_panels(const Operand<T>& b, Index jc, Index nc, Index p0, Index kc) {
  constexpr int NR = Tile<T>::NR;
  const Index panels = (nc + NR - 1) / NR;
  T* dst = scratch<T>(kPanelsB, panels * kc * NR);
  for (Index jp = 0; jp < panels; ++jp)
    pack_b(b, dst + jp * kc * NR, jc + jp * NR, std::min<Index>(NR, nc - jp * NR), p0, kc);
  return dst;
}

// Where the patches of a convolution read: output pixel i's top-left tap,
// and the input row under any tap (-1 in the zero padding).
struct PatchMap {
  const ConvGeometry& g;
  int oh, ow;
  explicit PatchMap(const ConvGeometry& geometry) : g(geometry), oh(geometry.out_height()), ow(geometry.out_width()) {}
  void origin(Index i, Index& n, int& y, int& x) const {
    const Index per_image = static_cast<Index>(oh) * ow;
    n = i / per_image;
    const int rest = static_cast<int>(i - n * per_image);
    y = (rest / ow) * g.stride - g.padding;
    x = (rest % ow) * g.stride - g.padding;
  }
  Index input_row(Index n, int y, int x) const {
    if (y < 0 || y >= g.input.height || x < 0 || x >= g.input.width) return -1;
    return (n * g.input.height + y) * g.input.width + x;
  }
};

// Rows [i0, i0 + rows) of im2col(x) into dst (row stride k*k*C): the patch
// matrix one block at a time, while it fits in cache.
template <typename T>
void im2col_block(const ConvGeometry& g, const T* x, Index i0, Index rows, T* dst) {
  const PatchMap map(g);
  const Index c = g.input.channels, taps = static_cast<Index>(g.kernel) * g.kernel, width = taps * c;
  Index n;
  int y, xx;
  for (Index r = 0; r < rows; ++r) {
    map.origin(i0 + r, n, y, xx);
    T* d = dst + r * width;
    for (int ky = 0; ky < g.kernel; ++ky)
      for (int kx = 0; kx < g.kernel; ++kx, d += c) {
        const Index row = map.input_row(n, y + ky, xx + kx);
        const T* src = x + row * c;
        if (row < 0)
          for (Index ch = 0; ch < c; ++ch) d[ch] = T(0);
        else
          for (Index ch = 0; ch < c; ++ch) d[ch] = src[ch];
      }
  }
}

// ---------------------------------------------------------------- [SECTION] large products

// c (m x n) = op(a) op(b) (+ c when accumulate; + bias on every row
// otherwise). op(b) is packed into panels; a is read in place.
template <typename T>
void blocked_product(Index m, Index n, Index k, const Operand<T>& a, const Operand<T>& b, T* c, Index ldc,
                     bool accumulate, const T* bias) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  const Index k_blocks = std::max<Index>(1, (k + kKcMax - 1) / kKcMax);
  const Index kc_size = std::max<Index>(1, (k + k_blocks - 1) / k_blocks);
  const Index m_blocks = (m + kRowBlock - 1) / kRowBlock;
  [[maybe_unused]] const int threads = worker_threads(m_blocks);
  for (Index jc = 0; jc < n; jc += kNc) {
    const Index nc = std::min(kNc, n - jc);
    const Index n_panels = (nc + NR - 1) / NR;
    for (Index pc = 0; pc < std::max<Index>(k, 1); pc += kc_size) {
      const Index kc = std::min(kc_size, k - pc);
      const bool load = accumulate || pc > 0;
      const T* panels = pack_b_panels(b, jc, nc, pc, kc);
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
#endif
      for (Index ib = 0; ib < m_blocks; ++ib) {
        const Index i_end = std::min(m, (ib + 1) * kRowBlock);
        for (Index jp = 0; jp < n_panels; ++jp) {
          const Index j0 = jc + jp * NR, cols = std::min<Index>(NR, nc - jp * NR);
          const T* init = !load && bias ? bias + j0 : nullptr;
          const T* panel = panels + jp * kc * NR;
          for (Index i0 = ib * kRowBlock; i0 < i_end; i0 += MR) {
            const Index rows = std::min<Index>(MR, i_end - i0);
            T* ct = c + i0 * ldc + j0;
            if (!a.transposed) {
              tile<T>(kc, rows_of(a.data, a.stride, i0, rows, pc), panel, NR, ct, ldc, rows, cols, load, init);
            } else if (rows == MR) {  // a(i, p) = data[p * stride + i]: MR consecutive values per depth
              tile<T>(kc, StridedA<T>{a.data + pc * a.stride + i0, a.stride}, panel, NR, ct, ldc, rows, cols, load, init);
            } else {  // the last rows of a transposed a: copied into a zero-padded panel
              T* edge = scratch<T>(kEdge, kc * MR);
              for (Index p = 0; p < kc; ++p)
                for (Index r = 0; r < MR; ++r) edge[p * MR + r] = r < rows ? a.data[(pc + p) * a.stride + i0 + r] : T(0);
              tile<T>(kc, StridedA<T>{edge, MR}, panel, NR, ct, ldc, rows, cols, load, init);
            }
          }
        }
      }
      if (k == 0) break;
    }
  }
}

// ---------------------------------------------------------------- [SECTION] small products

// Without packing, for products with few rows (MAML's 10-point tasks, the
// memory network's 16 episodes) where packing B would cost as much as the
// product. Rows of c are computed RB at a time, so every load of op(b) serves
// RB rows.

// c rows [i0, i0 + RB) = op(a) b for b not transposed (row p of b contiguous):
// each row accumulates a(i, p) * b row p, WB packets of columns at a time.
template <typename T, int RB>
void axpy_rows(Index i0, Index n, Index k, Operand<T> a, const T* b, Index ldb, T* c, Index ldc, bool accumulate,
               const T* bias) {
  using P = typename Tile<T>::Packet;
  constexpr int PS = Tile<T>::PS;
  constexpr int WB = RB <= 2 ? 4 : 3;  // packets across: RB * WB accumulators
  // a(i, p) = a.data[i * row_step + p * depth_step]
  const Index row_step = a.transposed ? 1 : a.stride, depth_step = a.transposed ? a.stride : 1;
  const T* arow = a.data + i0 * row_step;
  T* crow = c + i0 * ldc;
  auto start = [&](int r, Index j) {
    return accumulate ? ei::ploadu<P>(crow + r * ldc + j) : bias ? ei::ploadu<P>(bias + j) : ei::pset1<P>(T(0));
  };
  Index j = 0;
  for (; j + WB * PS <= n; j += WB * PS) {
    P acc[RB][WB];
    for (int r = 0; r < RB; ++r)
      for (int w = 0; w < WB; ++w) acc[r][w] = start(r, j + w * PS);
    for (Index p = 0; p < k; ++p) {
      P bp[WB];
      for (int w = 0; w < WB; ++w) bp[w] = ei::ploadu<P>(b + p * ldb + j + w * PS);
      for (int r = 0; r < RB; ++r) {
        const P ar = ei::pset1<P>(arow[r * row_step + p * depth_step]);
        for (int w = 0; w < WB; ++w) acc[r][w] = ei::pmadd(ar, bp[w], acc[r][w]);
      }
    }
    for (int r = 0; r < RB; ++r)
      for (int w = 0; w < WB; ++w) ei::pstoreu(crow + r * ldc + j + w * PS, acc[r][w]);
  }
  for (; j + PS <= n; j += PS) {
    P acc[RB];
    for (int r = 0; r < RB; ++r) acc[r] = start(r, j);
    for (Index p = 0; p < k; ++p) {
      const P bp = ei::ploadu<P>(b + p * ldb + j);
      for (int r = 0; r < RB; ++r) acc[r] = ei::pmadd(ei::pset1<P>(arow[r * row_step + p * depth_step]), bp, acc[r]);
    }
    for (int r = 0; r < RB; ++r) ei::pstoreu(crow + r * ldc + j, acc[r]);
  }
  for (; j < n; ++j) {
    T acc[RB];
    for (int r = 0; r < RB; ++r) acc[r] = accumulate ? crow[r * ldc + j] : bias ? bias[j] : T(0);
    for (Index p = 0; p < k; ++p) {
      const T bp = b[p * ldb + j];
      for (int r = 0; r < RB; ++r) acc[r] += arow[r * row_step + p * depth_step] * bp;
    }
    for (int r = 0; r < RB; ++r) crow[r * ldc + j] = acc[r];
  }
}

template <typename T>
void axpy_product(Index m, Index n, Index k, Operand<T> a, const T* b, Index ldb, T* c, Index ldc, bool accumulate,
                  const T* bias) {
  Index i = 0;
  for (; i + 4 <= m; i += 4) axpy_rows<T, 4>(i, n, k, a, b, ldb, c, ldc, accumulate, bias);
  for (; i + 2 <= m; i += 2) axpy_rows<T, 2>(i, n, k, a, b, ldb, c, ldc, accumulate, bias);
  for (; i < m; ++i) axpy_rows<T, 1>(i, n, k, a, b, ldb, c, ldc, accumulate, bias);
}

// c (m x n) = a b^T with a [m x k] and b [n x k] both row-major (both read
// along k): RB x JB dot products at a time, vectorised along k.
template <typename T, int RB, int JB>
void dot_block(Index i0, Index j0, Index k, const T* a, Index lda, const T* b, Index ldb, T* c, Index ldc,
               bool accumulate, const T* bias) {
  using P = typename Tile<T>::Packet;
  constexpr int PS = Tile<T>::PS;
  P acc[RB][JB];
  for (int r = 0; r < RB; ++r)
    for (int q = 0; q < JB; ++q) acc[r][q] = ei::pset1<P>(T(0));
  Index p = 0;
  for (; p + PS <= k; p += PS) {
    P bq[JB];
    for (int q = 0; q < JB; ++q) bq[q] = ei::ploadu<P>(b + (j0 + q) * ldb + p);
    for (int r = 0; r < RB; ++r) {
      const P ar = ei::ploadu<P>(a + (i0 + r) * lda + p);
      for (int q = 0; q < JB; ++q) acc[r][q] = ei::pmadd(ar, bq[q], acc[r][q]);
    }
  }
  for (int r = 0; r < RB; ++r)
    for (int q = 0; q < JB; ++q) {
      T s = ei::predux(acc[r][q]);
      for (Index t = p; t < k; ++t) s += a[(i0 + r) * lda + t] * b[(j0 + q) * ldb + t];
      T& out = c[(i0 + r) * ldc + j0 + q];
      out = (accumulate ? out : bias ? bias[j0 + q] : T(0)) + s;
    }
}

template <typename T, int RB>
void dot_rows(Index i0, Index n, Index k, const T* a, Index lda, const T* b, Index ldb, T* c, Index ldc, bool accumulate,
              const T* bias) {
  Index j = 0;
  for (; j + 3 <= n; j += 3) dot_block<T, RB, 3>(i0, j, k, a, lda, b, ldb, c, ldc, accumulate, bias);
  for (; j < n; ++j) dot_block<T, RB, 1>(i0, j, k, a, lda, b, ldb, c, ldc, accumulate, bias);
}

template <typename T>
void dot_product(Index m, Index n, Index k, const T* a, Index lda, const T* b, Index ldb, T* c, Index ldc,
                 bool accumulate, const T* bias) {
  Index i = 0;
  for (; i + 4 <= m; i += 4) dot_rows<T, 4>(i, n, k, a, lda, b, ldb, c, ldc, accumulate, bias);
  for (; i < m; ++i) dot_rows<T, 1>(i, n, k, a, lda, b, ldb, c, ldc, accumulate, bias);
}

// Eigen's own product, where it is the faster one: short dot products a b^T
// and transposed pairs.
template <typename T>
void eigen_product(Index m, Index n, Index k, Operand<T> a, Operand<T> b, T* c, Index ldc, bool accumulate,
                   const T* bias) {
  using Stride = Eigen::OuterStride<>;
  using ConstMap = Eigen::Map<const Mat<T>, 0, Stride>;
  const ConstMap am(a.data, a.transposed ? k : m, a.transposed ? m : k, Stride(a.stride));
  const ConstMap bm(b.data, b.transposed ? n : k, b.transposed ? k : n, Stride(b.stride));
  Eigen::Map<Mat<T>, 0, Stride> cm(c, m, n, Stride(ldc));
  if (!accumulate) {
    if (bias) cm.rowwise() = Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>(bias, n);
    else cm.setZero();
  }
  if (!a.transposed && !b.transposed) cm.noalias() += am * bm;
  else if (a.transposed && !b.transposed) cm.noalias() += am.transpose() * bm;
  else if (!a.transposed) cm.noalias() += am * bm.transpose();
  else cm.noalias() += am.transpose() * bm.transpose();
}

// A matrix-vector product (n == 1 or m == 1) through Eigen's gemv, when the
// vectors are contiguous; false otherwise.
template <typename T>
bool vector_product(Index m, Index n, Index k, Operand<T> a, Operand<T> b, T* c, Index ldc, bool accumulate,
                    const T* bias) {
  using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  using Stride = Eigen::OuterStride<>;
  using ConstMap = Eigen::Map<const Mat<T>, 0, Stride>;
  if (n == 1) {
    if ((!b.transposed && b.stride != 1) || (m > 1 && ldc != 1)) return false;
    const Eigen::Map<const Vec> bv(b.data, k);  // b(p, 0)
    Eigen::Map<Vec> cv(c, m);
    if (!accumulate) cv.setConstant(bias ? bias[0] : T(0));
    if (!a.transposed) cv.noalias() += ConstMap(a.data, m, k, Stride(a.stride)) * bv;
    else cv.noalias() += ConstMap(a.data, k, m, Stride(a.stride)).transpose() * bv;
    return true;
  }
  if (m == 1) {
    if (a.transposed && a.stride != 1) return false;
    const Eigen::Map<const Vec> av(a.data, k);  // a(0, p)
    Eigen::Map<Vec> cv(c, n);
    if (!accumulate) {
      if (bias) cv = Eigen::Map<const Vec>(bias, n);
      else cv.setZero();
    }
    if (!b.transposed) cv.noalias() += ConstMap(b.data, k, n, Stride(b.stride)).transpose() * av;
    else cv.noalias() += ConstMap(b.data, n, k, Stride(b.stride)) * av;
    return true;
  }
  return false;
}

template <typename T>
void small_product(Index m, Index n, Index k, Operand<T> a, Operand<T> b, T* c, Index ldc, bool accumulate,
                   const T* bias) {
  constexpr int PS = Tile<T>::PS;
  if ((n == 1 || m == 1) && vector_product<T>(m, n, k, a, b, c, ldc, accumulate, bias)) return;
  if (b.transposed && (a.transposed || k < 64)) {
    eigen_product<T>(m, n, k, a, b, c, ldc, accumulate, bias);
    return;
  }
  if (n < PS && a.transposed) {
    // Few columns, a transposed: c^T = b^T a runs along a's contiguous rows.
    T* ct = scratch<T>(kTransposed, n * m);
    axpy_product<T>(n, m, k, Operand<T>{b.data, b.stride, true}, a.data, a.stride, ct, m, false, nullptr);
    for (Index i = 0; i < m; ++i)
      for (Index j = 0; j < n; ++j)
        c[i * ldc + j] = (accumulate ? c[i * ldc + j] : bias ? bias[j] : T(0)) + ct[j * m + i];
    return;
  }
  if (n < PS && !b.transposed && k >= 2 * PS) {
    // Few columns: dot products of a's rows with b's columns, copied to rows.
    T* bt = scratch<T>(kTransposed, n * k);
    for (Index p = 0; p < k; ++p)
      for (Index j = 0; j < n; ++j) bt[j * k + p] = b.data[p * b.stride + j];
    dot_product<T>(m, n, k, a.data, a.stride, bt, k, c, ldc, accumulate, bias);
    return;
  }
  if (!b.transposed) {
    axpy_product<T>(m, n, k, a, b.data, b.stride, c, ldc, accumulate, bias);
    return;
  }
  // a b^T with long rows: both read along k.
  dot_product<T>(m, n, k, a.data, a.stride, b.data, b.stride, c, ldc, accumulate, bias);
}

// The filter of the input gradient of a stride-1 convolution: w [k*k*C, cout]
// -> wf [k*k*cout, C] with wf[(tap', o), c] = w[(k*k - 1 - tap', c), o].
template <typename T>
void flip_filter(const ConvGeometry& g, const T* w, Index cout, T* wf) {
  const Index taps = static_cast<Index>(g.kernel) * g.kernel, c = g.input.channels;
  for (Index t = 0; t < taps; ++t)
    for (Index o = 0; o < cout; ++o)
      for (Index ch = 0; ch < c; ++ch) wf[(t * cout + o) * c + ch] = w[((taps - 1 - t) * c + ch) * cout + o];
}

// ---------------------------------------------------------------- [SECTION] convolutions

// Convolutions read their patches straight from the image when pixels have at
// least this many channels (a tap is then a run of contiguous values); with
// fewer (a first layer of gray images) a block's patches are copied first.
constexpr Index kDirectMinChannels = 8;
constexpr Index kMaxTaps = 49;  // direct reads up to 7 x 7 kernels

// The rows of a tile's MR output pixels (i0 + r, the last one repeated past
// `rows`) under every tap: row pointers into x, or to zeros in the padding.
template <typename T>
void tap_table(const PatchMap& map, const T* x, const T* zeros, Index i0, Index rows, const T** table) {
  constexpr int MR = Tile<T>::MR;
  const ConvGeometry& g = map.g;
  const Index c = g.input.channels;
  for (Index r = 0; r < MR; ++r) {
    Index n;
    int y, xx;
    map.origin(i0 + std::min(r, rows - 1), n, y, xx);
    for (int ky = 0, t = 0; ky < g.kernel; ++ky)
      for (int kx = 0; kx < g.kernel; ++kx, ++t) {
        const Index row = map.input_row(n, y + ky, xx + kx);
        table[t * MR + r] = row < 0 ? zeros : x + row * c;
      }
  }
}

// y = im2col(x) w + bias, a block of output pixels at a time, against w
// packed into panels once. The register tiles read their patches from x
// through a table of tap rows; with few channels, from a copy of the block's
// patches in scratch (in L2).
template <typename T>
void conv_forward(const ConvGeometry& g, const T* x, const T* w, Index cout, const T* bias, T* y) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  const Index m = static_cast<Index>(g.input.batch) * g.out_height() * g.out_width();
  const Index c = g.input.channels, taps = static_cast<Index>(g.kernel) * g.kernel, k = taps * c;
  const bool direct = c >= kDirectMinChannels && taps <= kMaxTaps;
  const Index n_panels = (cout + NR - 1) / NR;
  const T* panels = pack_b_panels(Operand<T>{w, cout, false}, 0, cout, 0, k);
  const Index m_blocks = (m + kRowBlock - 1) / kRowBlock;
  const PatchMap map(g);
  [[maybe_unused]] const int threads = worker_threads(m_blocks);
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
#endif
  for (Index ib = 0; ib < m_blocks; ++ib) {
    const Index i_begin = ib * kRowBlock, rows_in_block = std::min(kRowBlock, m - i_begin);
    if (direct) {
      const T* zeros = scratch<T>(kZeros, c);
      const T* table[kMaxTaps * MR];
      for (Index i0 = 0; i0 < rows_in_block; i0 += MR) {
        const Index rows = std::min<Index>(MR, rows_in_block - i0);
        tap_table(map, x, zeros, i_begin + i0, rows, table);
        for (Index jp = 0; jp < n_panels; ++jp) {
          const Index j0 = jp * NR;
          tile<T>(Taps<T>{table, taps, c}, panels + jp * k * NR, NR, y + (i_begin + i0) * cout + j0, cout, rows,
                  std::min<Index>(NR, cout - j0), false, bias ? bias + j0 : nullptr);
        }
      }
      continue;
    }
    T* patches = scratch<T>(kBlockA, kRowBlock * k);
    im2col_block(g, x, i_begin, rows_in_block, patches);
    for (Index jp = 0; jp < n_panels; ++jp) {
      const Index j0 = jp * NR, cols = std::min<Index>(NR, cout - j0);
      const T* panel = panels + jp * k * NR;
      for (Index i0 = 0; i0 < rows_in_block; i0 += MR) {
        const Index rows = std::min<Index>(MR, rows_in_block - i0);
        tile<T>(k, rows_of(patches, k, i0, rows, 0), panel, NR, y + (i_begin + i0) * cout + j0, cout, rows, cols, false,
                bias ? bias + j0 : nullptr);
      }
    }
  }
}

// dw = im2col(x)^T gy, summed over blocks of output pixels in order. A tile
// of dw is MR depths (channels of one tap, or any depths of a copied patch
// block) by NR output channels; over a block its A is the patches' columns:
// read through a table of each pixel's row under the tap, or from the copy.
// gy is read in place when its rows hold whole panels. Threads split dw's
// rows, so every element sums over the pixels in the same order.
template <typename T>
void conv_weight_grad(const ConvGeometry& g, const T* x, const T* gy, Index cout, T* dw, T* bias_grad) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  const Index pixels = static_cast<Index>(g.input.batch) * g.out_height() * g.out_width();
  const Index c = g.input.channels, taps = static_cast<Index>(g.kernel) * g.kernel, k = taps * c;
  const bool direct = c >= kDirectMinChannels;
  const Index n_panels = (cout + NR - 1) / NR;
  // Row groups of dw: per tap when direct (a group never spans two taps).
  const Index groups_per_tap = (c + MR - 1) / MR;
  const Index row_groups = direct ? taps * groups_per_tap : (k + MR - 1) / MR;
  [[maybe_unused]] const int threads = worker_threads(row_groups >= 8 ? 2 : 1);
  constexpr Index kPixels = 2 * kRowBlock;  // pixels per block: the depth of one pass
  if (pixels == 0) std::fill(dw, dw + k * cout, T(0));
  if (bias_grad) std::fill(bias_grad, bias_grad + cout, T(0));
  const PatchMap map(g);
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) if (threads > 1)
#endif
  {
    int team = 1, me = 0;
#ifdef _OPENMP
    team = omp_get_num_threads();
    me = omp_get_thread_num();
#endif
    // This thread's row groups: one contiguous range.
    const Index g0 = row_groups * me / team, g1 = row_groups * (me + 1) / team;
    const bool in_place = cout % NR == 0;
    T* panels = in_place ? nullptr : scratch<T>(kPanelsB, n_panels * kPixels * NR);
    T* patches = direct ? nullptr : scratch<T>(kBlockA, kPixels * k);
    const T* zeros = scratch<T>(kZeros, c);
    std::vector<const T*> table(direct ? static_cast<std::size_t>(taps * kPixels) : 0);
    for (Index p0 = 0; p0 < pixels && g0 < g1; p0 += kPixels) {
      const Index kc = std::min(kPixels, pixels - p0);
      if (direct) {
        for (Index p = 0; p < kc; ++p) {
          Index n;
          int y, xx;
          map.origin(p0 + p, n, y, xx);
          for (int ky = 0, t = 0; ky < g.kernel; ++ky)
            for (int kx = 0; kx < g.kernel; ++kx, ++t) {
              const Index row = map.input_row(n, y + ky, xx + kx);
              table[static_cast<std::size_t>(t * kPixels + p)] = row < 0 ? zeros : x + row * c;
            }
        }
      } else {
        im2col_block(g, x, p0, kc, patches);
      }
      if (!in_place)
        for (Index jp = 0; jp < n_panels; ++jp)
          pack_b(Operand<T>{gy, cout, false}, panels + jp * kc * NR, jp * NR, std::min<Index>(NR, cout - jp * NR), p0,
                 kc);
      if (bias_grad && me == 0)  // the bias gradient: gy's column sums, while the block is in cache
        for (Index p = 0; p < kc; ++p)
          for (Index j = 0; j < cout; ++j) bias_grad[j] += gy[(p0 + p) * cout + j];
      // The edge groups (fewer than MR depths) copied into zero-padded panels first.
      T* edges = scratch<T>(kEdge, (direct ? taps : 1) * kc * MR);
      for (Index grp = g0; grp < g1; ++grp) {
        const Index t = direct ? grp / groups_per_tap : 0, c0 = direct ? (grp % groups_per_tap) * MR : grp * MR;
        const Index rows = std::min<Index>(MR, (direct ? c : k) - c0);
        if (rows == MR) continue;
        T* edge = edges + t * kc * MR;
        const T* const* pixel_rows = direct ? table.data() + t * kPixels : nullptr;
        for (Index p = 0; p < kc; ++p)
          for (Index r = 0; r < MR; ++r)
            edge[p * MR + r] = r >= rows ? T(0) : direct ? pixel_rows[p][c0 + r] : patches[p * k + c0 + r];
      }
      // One panel of gy (in L1) against every group.
      for (Index jp = 0; jp < n_panels; ++jp) {
        const Index j0 = jp * NR, cols = std::min<Index>(NR, cout - j0);
        const T* b = in_place ? gy + p0 * cout + j0 : panels + jp * kc * NR;
        const Index ldb = in_place ? cout : NR;
        for (Index grp = g0; grp < g1; ++grp) {
          // Depths [i0, i0 + rows) of dw: channels [c0, c0 + rows) of tap t when direct.
          const Index t = direct ? grp / groups_per_tap : 0;
          const Index c0 = direct ? (grp % groups_per_tap) * MR : grp * MR;
          const Index i0 = direct ? t * c + c0 : c0;
          const Index rows = std::min<Index>(MR, (direct ? c : k) - c0);
          T* ct = dw + i0 * cout + j0;
          if (rows < MR)
            tile<T>(kc, StridedA<T>{edges + t * kc * MR, MR}, b, ldb, ct, cout, rows, cols, p0 > 0, nullptr);
          else if (direct)
            tile<T>(kc, TableA<T>{table.data() + t * kPixels, c0}, b, ldb, ct, cout, rows, cols, p0 > 0, nullptr);
          else
            tile<T>(kc, StridedA<T>{patches + i0, k}, b, ldb, ct, cout, rows, cols, p0 > 0, nullptr);
        }
      }
    }
  }
}

}  // namespace

// ---------------------------------------------------------------- [SECTION] public entry points

template <typename T>
void matmul(Index m, Index n, Index k, Operand<T> a, Operand<T> b, T* c, Index ldc, bool accumulate, const T* bias) {
  if (m == 0 || n == 0) return;
  if (k == 1) {  // an outer product: a single column of op(a) and row of op(b), whatever their storage
    if (a.transposed) a = Operand<T>{a.data, 1, false};
    if (b.transposed && b.stride == 1) b = Operand<T>{b.data, n, false};
  }
  if (m * n * k <= kSmallWork || m < kPackedMinRows) {
    small_product<T>(m, n, k, a, b, c, ldc, accumulate, bias);
    return;
  }
  blocked_product<T>(m, n, k, a, b, c, ldc, accumulate, bias);
}

template <typename T>
void conv2d_forward(const ConvGeometry& g, const T* x, const T* w, Index cout, const T* bias, T* y) {
  conv_forward<T>(g, x, w, cout, bias, y);
}

template <typename T>
void conv2d_input_grad(const ConvGeometry& g, const T* gy, const T* w, Index cout, T* dx) {
  const Index c = g.input.channels;
  const Index taps = static_cast<Index>(g.kernel) * g.kernel;
  if (g.stride == 1 && g.padding <= g.kernel - 1 && c >= Tile<T>::NR) {
    // A stride-1 convolution's input gradient is the convolution of gy, padded
    // by k - 1 - padding, with the flipped filter (its C output channels must
    // fill the register tiles).
    std::vector<T> wf(static_cast<std::size_t>(taps * cout * c));
    flip_filter(g, w, cout, wf.data());
    const ConvGeometry back{{g.input.batch, g.out_height(), g.out_width(), static_cast<int>(cout)}, g.kernel, 1,
                            g.kernel - 1 - g.padding};
    conv_forward<T>(back, gy, wf.data(), c, nullptr, dx);
    return;
  }
  // Otherwise: gy w^T a block of output rows at a time, each block added back
  // into its patches (col2im) while it is in cache.
  const Index rows = static_cast<Index>(g.input.batch) * g.out_height() * g.out_width();
  const Index depth = taps * c;
  std::fill(dx, dx + g.input.rows() * c, T(0));
  const PatchMap map(g);
  std::vector<T> cols(static_cast<std::size_t>(kRowBlock * depth));
  for (Index r0 = 0; r0 < rows; r0 += kRowBlock) {
    const Index nr = std::min(kRowBlock, rows - r0);
    matmul<T>(nr, depth, cout, Operand<T>{gy + r0 * cout, cout, false}, Operand<T>{w, cout, true}, cols.data(), depth,
              false);
    for (Index r = 0; r < nr; ++r) {
      Index n;
      int y, x;
      map.origin(r0 + r, n, y, x);
      for (Index t = 0; t < taps; ++t) {
        const Index row = map.input_row(n, y + static_cast<int>(t / g.kernel), x + static_cast<int>(t % g.kernel));
        if (row < 0) continue;
        const T* src = cols.data() + r * depth + t * c;
        T* dst = dx + row * c;
        for (Index ch = 0; ch < c; ++ch) dst[ch] += src[ch];
      }
    }
  }
}

template <typename T>
void conv2d_weight_grad(const ConvGeometry& g, const T* x, const T* gy, Index cout, T* dw, T* bias_grad) {
  conv_weight_grad<T>(g, x, gy, cout, dw, bias_grad);
}

#define METALAB_INSTANTIATE_KERNELS(T)                                                                        \
  template void matmul<T>(Index, Index, Index, Operand<T>, Operand<T>, T*, Index, bool, const T*);          \
  template void conv2d_forward<T>(const ConvGeometry&, const T*, const T*, Index, const T*, T*);            \
  template void conv2d_input_grad<T>(const ConvGeometry&, const T*, const T*, Index, T*);                   \
  template void conv2d_weight_grad<T>(const ConvGeometry&, const T*, const T*, Index, T*, T*);

METALAB_INSTANTIATE_KERNELS(float)
METALAB_INSTANTIATE_KERNELS(double)

}  // namespace metalab::ad::kernels
