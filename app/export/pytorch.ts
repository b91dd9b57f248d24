// Export to PyTorch: a graph becomes a plain, commented train.py (with README.md, requirements.txt
// and the graph itself) that trains the same method with the same defaults on PyTorch, and writes a
// run folder in the app's format (metrics.jsonl, summary.json, run.json, snapshots.jsonl,
// samples.csv) so the app and the CLI read it. Pure: the files come back as strings; writing them is
// app/export/node/pytorch-project.ts's job.
//
// How train.py is made: the compiled plan (app/compile) gives every node, its validated parameters
// and the order inputs come first. Each node type has an emitter here that writes its section (the
// node's parameters as plain constants, then the Python object built from them) and names the
// building blocks it needs (a Python port of the node's runtime code, kept below in BLOCKS). A node
// type without an emitter (a Custom energy: TypeScript cannot be translated automatically) gets a
// placeholder that stops the script with a message saying what to write, and a line in `notes`.
// Numbers do not match the app's bit for bit (torch's random numbers are not ours); the methods,
// the defaults and the known answers do.
import { compile, type PlannedNode } from '../compile/compile.ts';
import { formatDiagnostic, hasErrors } from '../diagnostics.ts';
import { APP_VERSION, type GraphDocument } from '../graph/document.ts';
import { serializeGraph } from '../graph/serialize.ts';
import type { Catalog } from '../../nodes/catalog.ts';
import type { ParamSpec } from '../../nodes/params.ts';
import { TOY2D_ENTROPY } from '../../nodes/data-toy2d/datasets.ts';
import { BOUNDS_MARGIN } from '../../nodes/shared/dataset.ts';
import { RIDGE } from '../../nodes/noise-gaussian/node.ts';
import { ADAPT_RATE, STEP_BOUNDS } from '../../nodes/shared/mcmc.ts';
import { MAX_EXACT_SM_DIM } from '../../nodes/objective-sm/node.ts';
import { MAX_POINTS_PER_CALL, MEDIAN_HEURISTIC_POINTS } from '../runtime/metrics.ts';
import { TRACE_CHAINS, TRACE_POINTS } from '../../nodes/monitor-mcmc/node.ts';

export interface PyTorchProject {
  /** File name → contents: train.py, README.md, requirements.txt, graph.ebm.json. */
  files: Record<string, string>;
  /** What the export could not carry, or left out, in plain words (also in README.md and train.py). */
  notes: string[];
}

/** The run's final samples: at most this many (the app's FINAL_SAMPLES in app/runtime/train.ts). */
const FINAL_SAMPLES = 1000;
/** Grid of the Density 2D monitor's pictures (its DISPLAY_GRID). */
const DISPLAY_GRID = 100;
/** Fewest kept steps for the MCMC diagnostics (monitor.mcmc's MIN_KEPT). */
const MIN_KEPT = 4;

const py = String.raw;

// ---------------------------------------------------------------------------------------------
// The building blocks: Python ports of the nodes' runtime code, each written once. A section names
// the blocks it needs; train.py holds those (and what they need), in this order.

interface Block {
  /** Blocks this one uses (keys of BLOCKS, checked below). */
  needs?: readonly string[];
  /** Imports beyond the standard ones (argparse, json, math, sys, time, zlib, torch, nn). */
  imports?: readonly string[];
  code: string;
}

const BLOCKS = {
  common: {
    code: py`
@contextmanager
def side_stream(*names):
    """Runs a block on its own seeded random stream and leaves the main stream where it was: the
    monitors and the final samples draw here, so adding a monitor does not change training."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(zlib.crc32("/".join(str(n) for n in (SEED, *names)).encode()))
        yield


def energy_and_grad(energy, x):
    """E(x) per row and ∇ₓΣE(x), both detached: what a sampler needs (no gradient reaches θ)."""
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        e = energy(x)
        (g,) = torch.autograd.grad(e.sum(), x)
    return e.detach(), g


def box_around(points, margin):
    """[lo, hi] per coordinate around the points, widened on each side by margin × the extent."""
    lo, hi = points.min(0).values, points.max(0).values
    pad = margin * torch.where(hi > lo, hi - lo, torch.ones_like(hi))
    return [[float(a), float(b)] for a, b in zip(lo - pad, hi + pad)]
`,
  },
  dataset: {
    code: py`
BOUNDS_MARGIN = ${BOUNDS_MARGIN}  # the data box is widened by this fraction of its extent on each side


class Dataset:
    """A fixed training set, a held-out test set, and what is known of the true density."""

    def __init__(self, name, train, test, entropy=None, truth=None, density=None):
        self.name, self.train, self.test = name, train, test
        self.dim = train.shape[1]
        self.entropy = entropy  # nats: the best test NLL any model can reach
        self.truth = truth or {}  # parameters of the true density (a Gaussian's mean and variance)
        self.density = density  # the true density, where it is known in closed form
        self.bounds = box_around(torch.cat([train, test]), BOUNDS_MARGIN)

    def batch(self, n):
        """n training points, drawn with replacement."""
        return self.train[torch.randint(len(self.train), (n,))]


class IsotropicGaussianMixture:
    """p(x) = Σ_k w_k N(x; μ_k, s²I), in float64: the true density of Gaussian data and of the
    Gaussian-mixture toys, for the Fisher divergence to the true score."""

    def __init__(self, means, std, weights=None):
        self.means = torch.as_tensor(means, dtype=torch.float64)
        k, d = self.means.shape
        self.std = float(std)
        w = torch.full((k,), 1 / k, dtype=torch.float64) if weights is None else torch.as_tensor(weights, dtype=torch.float64)
        self.log_norm = torch.log(w) - d / 2 * math.log(2 * math.pi * self.std**2)

    def _parts(self, x):
        diff = x.double()[:, None, :] - self.means[None]  # n × K × d
        return diff, self.log_norm - 0.5 * (diff**2).sum(-1) / self.std**2

    def log_prob(self, x):
        return torch.logsumexp(self._parts(x)[1], dim=1).float()

    def score(self, x):
        """∇ₓ log p(x) = −Σ_k r_k(x) (x − μ_k)/s², r the responsibilities."""
        diff, logits = self._parts(x)
        r = torch.softmax(logits, dim=1)
        return (-(r[:, :, None] * diff).sum(1) / self.std**2).float()
`,
  },
  'data.gaussian': {
    needs: ['dataset'],
    code: py`
def gaussian_data(dim, mean, std, train_size, test_size):
    """Points from N(mean·1, std²·I): the data with known answers (mean, variance, entropy)."""
    entropy = dim / 2 * math.log(2 * math.pi * math.e * std**2)
    return Dataset(
        "gaussian",
        train=mean + std * torch.randn(train_size, dim),
        test=mean + std * torch.randn(test_size, dim),
        entropy=entropy,
        truth={"mean": [mean] * dim, "variance": [std**2] * dim, "entropy": entropy},
        density=IsotropicGaussianMixture([[mean] * dim], std),
    )
`,
  },
  'data.toy2d': {
    needs: ['dataset'],
    code: py`
# The standard 2-D toy densities, from the recipes of FFJORD's and LSD's toy_data.py (sklearn's
# make_swiss_roll / make_circles / make_moons written out), the energy-discrepancy notebook
# (25gaussians) and the NCSN toy (gmm2). Each returns exactly n points.


def swissroll(n):
    t = 1.5 * math.pi * (1 + 2 * torch.rand(n))
    return (torch.stack([t * torch.cos(t), t * torch.sin(t)], 1) + torch.randn(n, 2)) / 5


def _ring(m, radius):
    """m points evenly spaced on a circle (endpoint excluded)."""
    a = 2 * math.pi * torch.arange(m) / max(m, 1)
    return radius * torch.stack([torch.cos(a), torch.sin(a)], 1)


def circles(n):
    x = torch.cat([_ring(n // 2, 1.0), _ring(n - n // 2, 0.5)])[torch.randperm(n)]
    return 3 * (x + 0.08 * torch.randn(n, 2))


def moons(n):
    t_out, t_in = torch.linspace(0, math.pi, n // 2), torch.linspace(0, math.pi, n - n // 2)
    upper = torch.stack([torch.cos(t_out), torch.sin(t_out)], 1)
    lower = torch.stack([1 - torch.cos(t_in), 1 - torch.sin(t_in) - 0.5], 1)
    x = torch.cat([upper, lower])[torch.randperm(n)] + 0.1 * torch.randn(n, 2)
    return 2 * x + torch.tensor([-1.0, -0.2])


_R2 = 1 / math.sqrt(2)
EIGHT_CENTRES = torch.tensor([(1, 0), (-1, 0), (0, 1), (0, -1), (_R2, _R2), (_R2, -_R2), (-_R2, _R2), (-_R2, -_R2)])


def eight_gaussians(n):
    return (4 * EIGHT_CENTRES[torch.randint(8, (n,))] + 0.5 * torch.randn(n, 2)) / 1.414


def pinwheel(n):
    k = torch.randperm(n) % 5  # classes take turns: any n gives n points
    f1, f2 = 1 + 0.3 * torch.randn(n), 0.1 * torch.randn(n)
    th = 2 * math.pi * k / 5 + 0.25 * torch.exp(f1)
    return 2 * torch.stack([f1 * torch.cos(th) + f2 * torch.sin(th), -f1 * torch.sin(th) + f2 * torch.cos(th)], 1)


def two_spirals(n):
    h = (n + 1) // 2
    r = torch.sqrt(torch.rand(h)) * 3 * math.pi
    d = torch.stack([-torch.cos(r) * r + 0.5 * torch.rand(h), torch.sin(r) * r + 0.5 * torch.rand(h)], 1)
    return torch.cat([d, -d[: n - h]])[torch.randperm(n)] / 3 + 0.1 * torch.randn(n, 2)


def checkerboard(n):
    x1 = 4 * torch.rand(n) - 2
    x2 = torch.rand(n) - 2 * torch.randint(2, (n,)) + torch.floor(x1) % 2
    return 2 * torch.stack([x1, x2], 1)


def rings(n):
    # 20·n points on 4 circles, noised, n of them drawn with replacement: only the points drawn are
    # made (a point drawn twice is the same point), which is the same distribution in O(n).
    big = 20 * n
    q = big // 4
    sizes, radii = torch.tensor([q, q, q, big - 3 * q]), torch.tensor([3.0, 2.25, 1.5, 0.75])
    picked, which = torch.unique(torch.randint(big, (n,)), return_inverse=True)
    ring = torch.clamp(picked // q, max=3)
    a = 2 * math.pi * (picked - ring * q) / sizes[ring]
    points = radii[ring, None] * torch.stack([torch.cos(a), torch.sin(a)], 1) + 0.08 * torch.randn(len(picked), 2)
    return points[which]


TWENTYFIVE_CENTRES = torch.tensor([(2 * i / 1.414, 2 * j / 1.414) for i in range(-2, 3) for j in range(-2, 3)])


def twentyfive_gaussians(n):
    return TWENTYFIVE_CENTRES[torch.randint(25, (n,))] + 0.2 / 1.414 * torch.randn(n, 2)


def gmm2(n):
    centre = 10 * (torch.rand(n) < 0.8).float() - 5  # 0.8·N((5,5), I) + 0.2·N((−5,−5), I)
    return centre[:, None] + torch.randn(n, 2)


TOY2D = {
    "swissroll": swissroll, "circles": circles, "moons": moons, "8gaussians": eight_gaussians,
    "pinwheel": pinwheel, "2spirals": two_spirals, "checkerboard": checkerboard, "rings": rings,
    "25gaussians": twentyfive_gaussians, "gmm2": gmm2,
}
# Entropy of each true density in nats per point (Monte Carlo over the exact densities; the
# checkerboard's is log 32): the best test NLL any model can reach.
TOY2D_ENTROPY = ${pyDict(TOY2D_ENTROPY)}
# The exact densities where they are Gaussian mixtures, for the Fisher divergence to the true score.
TOY2D_DENSITY = {
    "8gaussians": IsotropicGaussianMixture(4 * EIGHT_CENTRES / 1.414, 0.5 / 1.414),
    "25gaussians": IsotropicGaussianMixture(TWENTYFIVE_CENTRES, 0.2 / 1.414),
    "gmm2": IsotropicGaussianMixture([[5.0, 5.0], [-5.0, -5.0]], 1.0, [0.8, 0.2]),
}


def toy2d_data(name, train_size, test_size):
    """A standard 2-D toy density: a training set and a held-out set, and the true entropy."""
    make = TOY2D[name]
    entropy = TOY2D_ENTROPY[name]
    return Dataset(name, make(train_size), make(test_size), entropy, {"entropy": entropy}, TOY2D_DENSITY.get(name))
`,
  },
  'noise.gaussian': {
    code: py`
RIDGE = ${RIDGE}  # added to a fitted covariance's diagonal, × the mean variance


def gaussian_noise(data, scale):
    """N(μ, s·Σ) with μ and Σ fitted to the training set (maximum likelihood, in float64)."""
    x = data.train.double()
    mean = x.mean(0)
    cov = (x - mean).T @ (x - mean) / len(x)
    mean_var = float(cov.diagonal().mean())
    cov = cov + RIDGE * (mean_var if mean_var > 0 else 1.0) * torch.eye(data.dim, dtype=torch.float64)
    return torch.distributions.MultivariateNormal(mean.float(), covariance_matrix=(scale * cov).float())
`,
  },
  'noise.uniform': {
    code: py`
class UniformBox:
    """The uniform density on a box: log p = −log(volume) inside, −∞ outside."""

    def __init__(self, low, high):
        self.low, self.high = torch.tensor(low), torch.tensor(high)
        self.log_density = -torch.log(self.high - self.low).sum()

    def sample(self, shape):
        u = self.low + (self.high - self.low) * torch.rand(*shape, len(self.low))
        return torch.min(torch.max(u, self.low), self.high)

    def log_prob(self, x):
        inside = ((x >= self.low) & (x <= self.high)).all(1)
        return torch.where(inside, self.log_density, torch.tensor(-math.inf))


def uniform_noise(data, box, margin, low, high):
    """Uniform on the data's box widened by margin × its extent on each side, or on [low, high]ᵈ."""
    if box == "fixed":
        return UniformBox([low] * data.dim, [high] * data.dim)
    lo, hi = zip(*[(a - margin * (b - a), b + margin * (b - a)) for a, b in data.bounds])
    return UniformBox(list(lo), list(hi))
`,
  },
  'noise.mixture': {
    imports: ['import numpy as np'],
    code: py`
def gaussian_log_density(x, mean, cov):
    """log N(x; mean, cov) per row, in float64."""
    l = np.linalg.cholesky(cov)
    z = np.linalg.solve(l, (x - mean).T)
    return -0.5 * (z**2).sum(0) - np.log(np.diag(l)).sum() - len(mean) / 2 * math.log(2 * math.pi)


def kmeans_plus_plus(x, k, rng):
    """k seeds, each drawn with probability ∝ its squared distance to the nearest seed so far."""
    n = len(x)
    dist = np.full(n, np.inf)
    centres, nxt = [], rng.integers(n)
    for _ in range(k):
        centres.append(x[nxt])
        dist = np.minimum(dist, ((x - x[nxt]) ** 2).sum(1))
        total = dist.sum()
        nxt = rng.integers(n) if total == 0 else rng.choice(n, p=dist / total)
    return np.array(centres)


def fit_mixture(x, components, covariance, iterations, restarts, variance_floor, rng):
    """EM for a Gaussian mixture (float64): k-means++ seeds, an M-step from the hard assignment to
    the nearest seed, then a fixed number of EM iterations; every covariance gets floor·I added; a
    component left with no points restarts at the data's mean and covariance. The best of
    restarts runs, by log-likelihood, is kept."""
    n, d = x.shape
    k = components
    if n < k:
        raise ValueError(f"{k} components need at least {k} fit points, but the fit has {n}")
    mean_all = x.mean(0)
    cov_all = (x - mean_all).T @ (x - mean_all) / n
    mean_var = np.trace(cov_all) / d
    floor = variance_floor * (mean_var if mean_var > 0 else 1.0) * np.eye(d)

    def m_step(resp):
        nk = resp.sum(0)
        weights, means, covs = [], [], []
        for c in range(k):
            if not nk[c] > 1e-10:
                weights.append(1e-10), means.append(mean_all), covs.append(cov_all + floor)
                continue
            mean = resp[:, c] @ x / nk[c]
            diff = x - mean
            cov = (resp[:, c, None] * diff).T @ diff / nk[c]
            if covariance == "diagonal":
                cov = np.diag(np.diag(cov))
            weights.append(nk[c] / n), means.append(mean), covs.append(cov + floor)
        weights = np.array(weights)
        return weights / weights.sum(), np.array(means), np.array(covs)

    def e_step(weights, means, covs):
        log_p = np.stack([math.log(w) + gaussian_log_density(x, m, c) for w, m, c in zip(weights, means, covs)], 1)
        top = log_p.max(1, keepdims=True)
        lse = top[:, 0] + np.log(np.exp(log_p - top).sum(1))
        return np.exp(log_p - lse[:, None]), lse.mean()

    best, best_ll = None, -math.inf
    for _ in range(restarts):
        seeds = kmeans_plus_plus(x, k, rng)
        nearest = ((x[:, None, :] - seeds[None]) ** 2).sum(-1).argmin(1)
        fit = m_step(np.eye(k)[nearest])
        for _ in range(iterations):
            fit = m_step(e_step(*fit)[0])
        log_likelihood = e_step(*fit)[1]
        if best is None or log_likelihood > best_ll:
            best, best_ll = fit, log_likelihood
    return best


def mixture_noise(data, components, covariance, iterations, restarts, variance_floor, fit_points):
    """A Gaussian mixture fitted to (at most fit_points of) the training set by EM, once."""
    rng = np.random.default_rng(int(torch.randint(2**31, ())))
    x = data.train.double().numpy()
    if len(x) > fit_points:
        x = x[rng.permutation(len(x))[:fit_points]]
    weights, means, covs = fit_mixture(x, components, covariance, iterations, restarts, variance_floor, rng)
    return torch.distributions.MixtureSameFamily(
        torch.distributions.Categorical(probs=torch.tensor(weights, dtype=torch.float32)),
        torch.distributions.MultivariateNormal(torch.tensor(means, dtype=torch.float32), covariance_matrix=torch.tensor(covs, dtype=torch.float32)),
    )
`,
  },
  'energy.mlp': {
    code: py`
class Sine(nn.Module):
    def forward(self, x):
        return torch.sin(x)


ACTIVATIONS = {
    "swish": nn.SiLU, "softplus": nn.Softplus, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "elu": nn.ELU,
    "gelu": nn.GELU, "leakyRelu": lambda: nn.LeakyReLU(0.2), "relu": nn.ReLU, "sin": Sine,
}


class MLPEnergy(nn.Module):
    """E(x): input_dim → hidden widths → 1, the activation after each hidden layer, a linear
    output. nn.Linear's default initialisation, as the app uses."""

    def __init__(self, input_dim, hidden, activation):
        super().__init__()
        self.input_dim = input_dim
        widths = [input_dim, *hidden]
        layers = []
        for fan_in, fan_out in zip(widths, widths[1:]):
            layers += [nn.Linear(fan_in, fan_out), ACTIVATIONS[activation]()]
        self.net = nn.Sequential(*layers, nn.Linear(widths[-1], 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)
`,
  },
  'energy.gaussian': {
    code: py`
class GaussianEnergy(nn.Module):
    """E(x) = ½ (x − μ)ᵀ P (x − μ) with learnable mean μ and precision P: diagonal P = diag(e^ℓ),
    or full P = L Lᵀ with L lower-triangular with a positive (exp) diagonal. Its readouts, the mean
    and the variance, are what a run on Gaussian data should recover."""

    def __init__(self, dim, covariance, init_mean, init_variance):
        super().__init__()
        self.input_dim = dim
        self.full = covariance == "full"
        self.mean = nn.Parameter(torch.full((dim,), float(init_mean)))
        self.log_diag = nn.Parameter(torch.full((dim,), (-0.5 if self.full else -1.0) * math.log(init_variance)))
        self.lower = nn.Parameter(torch.zeros(dim, dim)) if self.full else None

    def cholesky_factor(self):
        return torch.tril(self.lower, diagonal=-1) + torch.diag(torch.exp(self.log_diag))

    def forward(self, x):
        centred = x - self.mean
        if not self.full:
            return 0.5 * (centred**2 * torch.exp(self.log_diag)).sum(1)
        return 0.5 * ((centred @ self.cholesky_factor()) ** 2).sum(1)

    @torch.no_grad()
    def readouts(self):
        if not self.full:
            return {"mean": self.mean.tolist(), "variance": torch.exp(-self.log_diag).tolist()}
        l = self.cholesky_factor().double()
        cov = torch.linalg.inv(l @ l.T)
        return {"mean": self.mean.tolist(), "variance": cov.diagonal().tolist(), "covariance": cov.flatten().tolist()}
`,
  },
  chains: {
    code: py`
Draw = namedtuple("Draw", "samples stats trace")  # trace: each step's chain energies, when asked


class ReplayBuffer:
    """Past chain ends (Du & Mordatch 2019). Each chain taken restarts from restart(1) with
    probability reinit_prob. Ends go back to the slots taken ("random", persistent chains) or over
    the oldest states ("fifo", IGEBM's ReplayBuffer)."""

    def __init__(self, size, restart, reinit_prob, policy="random"):
        self.size, self.restart, self.reinit_prob, self.policy = size, restart, reinit_prob, policy
        self.states = restart(size)
        self.next = 0

    def take(self, n):
        slots = torch.randperm(self.size)[:n] if n <= self.size else torch.randint(self.size, (n,))
        start = self.states[slots].clone()
        fresh = torch.rand(n) < self.reinit_prob
        if fresh.any():
            start[fresh] = self.restart(int(fresh.sum()))
        return start, slots

    def put(self, slots, ends):
        if self.policy == "fifo":
            slots = (self.next + torch.arange(len(ends))) % self.size
            self.next = (self.next + len(ends)) % self.size
        self.states[slots] = ends.detach()


class ChainStarts:
    """Where a sampler's chains begin: "noise" (uniform in the box: short-run MCMC), "data" (the
    batch: contrastive divergence, CD-k) or "buffer" (a replay buffer: persistent CD)."""

    def __init__(self, dim, init, noise_low, noise_high, buffer_size, reinit_prob):
        self.init = init
        self.noise = lambda n: noise_low + (noise_high - noise_low) * torch.rand(n, dim)
        self.buffer = ReplayBuffer(buffer_size, self.noise, reinit_prob) if init == "buffer" else None

    def take(self, data):
        """Starting points for the batch data, and the buffer slots they came from (or None)."""
        if self.init == "data":
            return data, None
        if self.buffer is None:
            return self.noise(len(data)), None
        return self.buffer.take(len(data))

    def put_back(self, slots, ends):
        if slots is not None:
            self.buffer.put(slots, ends)


class Sampler:
    """Draws approximate samples of exp(−E); no gradient flows through it. Training draws persist
    (write the chains back to the buffer, keep an adapted step); monitors' draws do not."""

    steps = 0

    def sample(self, data, persist=True, start=None, steps=None, trace=False):
        x, slots = (start, None) if start is not None else self.starts.take(data)
        samples, stats, energies = self.run_chains(x, self.steps if steps is None else steps, trace, persist)
        if persist:
            self.starts.put_back(slots, samples)
        return Draw(samples, stats, energies if trace else None)
`,
  },
  mcmc: {
    needs: ['chains'],
    code: py`
def metropolis(log_alpha):
    """Accept where log u < log α, chain by chain (NaN counts as rejected); also the mean acceptance
    probability min(1, α), which is less noisy than the fraction accepted."""
    log_alpha = torch.where(torch.isnan(log_alpha), torch.tensor(-math.inf), log_alpha)
    accept = torch.log(torch.rand_like(log_alpha)) < log_alpha
    return accept, float(torch.exp(log_alpha.clamp(max=0)).mean())


class StepSize:
    """A Metropolis sampler's step, adapted when asked: ×${1 + ADAPT_RATE} after a step whose acceptance is above
    the target, else ×${1 - ADAPT_RATE}, kept in [${STEP_BOUNDS[0]}, ${STEP_BOUNDS[1]}]. Only training draws keep the adapted step."""

    def __init__(self, initial, adapt, target):
        self.value, self.adapt, self.target = initial, adapt, target

    def next(self, eps, acceptance):
        if not self.adapt:
            return eps
        return min(max(eps * (${1 + ADAPT_RATE} if acceptance > self.target else ${1 - ADAPT_RATE}), ${STEP_BOUNDS[0]}), ${STEP_BOUNDS[1]})

    def keep(self, eps, persist):
        if self.adapt and persist:
            self.value = eps
`,
  },
  'sampler.langevin': {
    needs: ['chains'],
    code: py`
class Langevin(Sampler):
    """Unadjusted Langevin dynamics: K steps of x ← x − a∇E(x) + b·z, z ~ N(0, I). Calibrated:
    a = ε/2, b = √ε (temperature 1). Separate: a = η, b = σ (temperature σ²/(2η))."""

    def __init__(self, energy, parameterisation, step_size, eta, sigma, steps, grad_clip, starts):
        self.energy, self.steps, self.grad_clip, self.starts = energy, steps, grad_clip, starts
        self.drift, self.noise = (step_size / 2, math.sqrt(step_size)) if parameterisation == "calibrated" else (eta, sigma)

    def run_chains(self, x, steps, trace, persist):
        energies = []
        for k in range(steps):
            e, g = energy_and_grad(self.energy, x)
            if trace and k > 0:
                energies.append(e)
            if self.grad_clip > 0:
                g = g.clamp(-self.grad_clip, self.grad_clip)
            x = x - self.drift * g + self.noise * torch.randn_like(x)
        if trace and steps > 0:
            energies.append(energy_and_grad(self.energy, x)[0])
        return x.detach(), {}, energies
`,
  },
  'sampler.mala': {
    needs: ['mcmc'],
    code: py`
class Mala(Sampler):
    """Metropolis-adjusted Langevin: propose x′ = x − (ε/2)∇E(x) + √ε·z and accept with probability
    min(1, e^{−E(x′)} q(x|x′) / (e^{−E(x)} q(x′|x))), chain by chain: exp(−E) is left exactly
    invariant for any ε."""

    def __init__(self, energy, step_size, steps, adapt_step, target_acceptance, starts):
        self.energy, self.steps, self.starts = energy, steps, starts
        self.step = StepSize(step_size, adapt_step, target_acceptance)

    def run_chains(self, x, steps, trace, persist):
        eps, acceptance, energies = self.step.value, 0.0, []
        e, g = energy_and_grad(self.energy, x)
        for _ in range(steps):
            z = torch.randn_like(x)
            proposal = x - eps / 2 * g + math.sqrt(eps) * z
            e_new, g_new = energy_and_grad(self.energy, proposal)
            # log q(x′|x) = −½‖z‖², log q(x|x′) = −‖x − x′ + (ε/2)∇E(x′)‖²/(2ε) (constants cancel).
            log_forward = -0.5 * (z**2).sum(1)
            log_backward = -((x - proposal + eps / 2 * g_new) ** 2).sum(1) / (2 * eps)
            accept, probability = metropolis(e - e_new + log_backward - log_forward)
            x = torch.where(accept[:, None], proposal, x)
            e, g = torch.where(accept, e_new, e), torch.where(accept[:, None], g_new, g)
            eps = self.step.next(eps, probability)
            acceptance += probability
            if trace:
                energies.append(e)
        self.step.keep(eps, persist)
        stats = {"acceptance": acceptance / steps} if steps > 0 else {}
        if self.step.adapt:
            stats["step_size"] = eps
        return x, stats, energies
`,
  },
  'sampler.hmc': {
    needs: ['mcmc'],
    code: py`
class Hmc(Sampler):
    """Hamiltonian Monte Carlo: each transition draws p ~ N(0, mI), runs L leapfrog steps of size δ
    on H = E(x) + ½‖p‖²/m and accepts the end with probability min(1, exp(H₀ − H_L)), chain by chain."""

    def __init__(self, energy, step_size, leapfrog_steps, steps, mass, adapt_step, target_acceptance, starts):
        self.energy, self.leapfrog_steps, self.steps, self.mass, self.starts = energy, leapfrog_steps, steps, mass, starts
        self.step = StepSize(step_size, adapt_step, target_acceptance)

    def kinetic(self, p):
        return (p**2).sum(1) / (2 * self.mass)

    def run_chains(self, x, steps, trace, persist):
        delta, acceptance, energies = self.step.value, 0.0, []
        e, g = energy_and_grad(self.energy, x)
        for _ in range(steps):
            p0 = math.sqrt(self.mass) * torch.randn_like(x)
            q, p = x, p0 - delta / 2 * g  # a half momentum step,
            for l in range(1, self.leapfrog_steps + 1):  # full steps, and a last half momentum step
                q = q + delta / self.mass * p
                e_q, g_q = energy_and_grad(self.energy, q)
                p = p - (delta / 2 if l == self.leapfrog_steps else delta) * g_q
            accept, probability = metropolis(e + self.kinetic(p0) - e_q - self.kinetic(p))
            x = torch.where(accept[:, None], q, x)
            e, g = torch.where(accept, e_q, e), torch.where(accept[:, None], g_q, g)
            delta = self.step.next(delta, probability)
            acceptance += probability
            if trace:
                energies.append(e)
        self.step.keep(delta, persist)
        stats = {"acceptance": acceptance / steps} if steps > 0 else {}
        if self.step.adapt:
            stats["step_size"] = delta
        return x, stats, energies
`,
  },
  'sampler.annealedLangevin': {
    needs: ['chains'],
    code: py`
class AnnealedLangevin(Sampler):
    """Annealed Langevin on NCSN's schedule with one energy for every level: level i of a geometric
    ladder σ_max … σ_min runs T steps of x ← x − (α_i/2)∇E(x) + √α_i·z with α_i = ε σ_i²/σ_min².
    The energy takes no σ: the ladder only sets the step."""

    def __init__(self, energy, sigma_max, sigma_min, levels, steps_per_level, step_size, starts):
        self.energy, self.starts = energy, starts
        self.steps = levels * steps_per_level
        if levels == 1:
            self.alphas = [step_size]
        else:
            self.alphas = [step_size * (sigma_max / sigma_min) ** (2 * (1 - i / (levels - 1))) for i in range(levels)]

    def schedule(self, total):
        """The step of each of total steps, spread over the levels as evenly as possible."""
        levels = len(self.alphas)
        return [a for i, a in enumerate(self.alphas) for _ in range((i + 1) * total // levels - i * total // levels)]

    def run_chains(self, x, steps, trace, persist):
        energies = []
        for k, a in enumerate(self.schedule(steps)):
            e, g = energy_and_grad(self.energy, x)
            if trace and k > 0:
                energies.append(e)
            x = x - a / 2 * g + math.sqrt(a) * torch.randn_like(x)
        if trace and steps > 0:
            energies.append(energy_and_grad(self.energy, x)[0])
        return x.detach(), {}, energies
`,
  },
  'sampler.replayBuffer': {
    needs: ['chains'],
    code: py`
class ReplayBufferSampler:
    """A replay buffer in front of another sampler: chains start from the buffer (each restarting
    with probability ρ from the restart law), the inner sampler runs them, and training draws write
    the ends back. A caller's own starts (a monitor's) bypass the buffer."""

    def __init__(self, inner, data, buffer_size, reinit_prob, policy, restart, noise_low, noise_high, restart_std):
        self.inner, self.energy = inner, inner.energy
        dim = inner.energy.input_dim
        if restart == "data" and data is None:
            raise ValueError("restarting from training points needs the Data input connected")
        laws = {
            "uniform": lambda n: noise_low + (noise_high - noise_low) * torch.rand(n, dim),
            "gaussian": lambda n: restart_std * torch.randn(n, dim),
            "data": lambda n: data.train[torch.randint(len(data.train), (n,))],
        }
        self.buffer = ReplayBuffer(buffer_size, laws[restart], reinit_prob, policy)

    def sample(self, data, persist=True, start=None, steps=None, trace=False):
        if start is not None:
            return self.inner.sample(data, persist=persist, start=start, steps=steps, trace=trace)
        x, slots = self.buffer.take(len(data))
        draw = self.inner.sample(data, persist=persist, start=x, steps=steps, trace=trace)
        if persist:
            self.buffer.put(slots, draw.samples)
        return draw
`,
  },
  score: {
    code: py`
def energy_grad(energy, x):
    """∇ₓE(x), row by row, kept differentiable (create_graph) so that a loss written in it trains θ.
    x must require grad."""
    (g,) = torch.autograd.grad(energy(x).sum(), x, create_graph=True)
    return g


def projections(n, d, kind, radius=1.0):
    """n random directions: "rademacher" (±1) or "gaussian" (N(0, I)), both with E[vvᵀ] = I, or
    "sphere" (uniform on the sphere of this radius)."""
    if kind == "rademacher":
        return torch.randint(2, (n, d)).float() * 2 - 1
    v = torch.randn(n, d)
    return v if kind == "gaussian" else radius * v / v.norm(dim=1, keepdim=True).clamp_min(1e-30)
`,
  },
  kernels: {
    code: py`
MEDIAN_HEURISTIC_POINTS = ${MEDIAN_HEURISTIC_POINTS}
MAX_POINTS_PER_CALL = ${MAX_POINTS_PER_CALL}  # points per energy call when evaluating many


def median_bandwidth(points):
    """The median heuristic: the median distance between distinct points (pairs at distance 0 left
    out), over an evenly strided subsample of at most MEDIAN_HEURISTIC_POINTS points; 0 if all coincide."""
    n = len(points)
    take = min(n, MEDIAN_HEURISTIC_POINTS)
    d2 = torch.pdist(points[[k * n // take for k in range(take)]].double()) ** 2
    d2 = d2[d2 > 0].sort().values
    if len(d2) == 0:
        return 0.0
    m = len(d2) // 2
    return math.sqrt(d2[m] if len(d2) % 2 else (d2[m - 1] + d2[m]) / 2)


def ksd_u_statistic(x, score, h):
    """The unbiased U-statistic of KSD² (Liu, Lee & Jordan 2016), RBF kernel k = exp(−‖x − y‖²/(2h²)):
    the mean over pairs i ≠ j of u(x, y) = s(x)ᵀs(y)k + s(x)ᵀ∇_y k + s(y)ᵀ∇_x k + tr ∇_x∇_y k."""
    n, d = x.shape
    diff = x[:, None, :] - x[None, :, :]  # x_i − x_j
    sq = (diff**2).sum(-1)
    k = torch.exp(-sq / (2 * h**2))
    u = k * (
        score @ score.T
        + torch.einsum("id,ijd->ij", score, diff) / h**2
        - torch.einsum("jd,ijd->ij", score, diff) / h**2
        + d / h**2
        - sq / h**4
    )
    return (u.sum() - u.diagonal().sum()) / (n * (n - 1))


def mmd2(x, y):
    """The unbiased U-statistic MMD² between two samples, RBF kernel with the median-heuristic
    bandwidth of the pooled sample (0 when all points coincide)."""
    h = median_bandwidth(torch.cat([x, y]))
    if h == 0:
        return 0.0
    x, y = x.double(), y.double()
    k = lambda a, b: torch.exp(-torch.cdist(a, b) ** 2 / (2 * h * h))
    m, n = len(x), len(y)
    kxx, kyy = k(x, x), k(y, y)
    return float((kxx.sum() - kxx.trace()) / (m * (m - 1)) + (kyy.sum() - kyy.trace()) / (n * (n - 1)) - 2 * k(x, y).mean())
`,
  },
  'objective.ml': {
    code: py`
class MaximumLikelihood:
    """Maximum likelihood with MCMC samples: mean E(data) − mean E(samples), whose gradient is minus
    the log-likelihood gradient when the samples come from the model, plus α·(mean E(data)² +
    mean E(samples)²) to keep energies near zero. No gradient flows through the sampler."""

    def __init__(self, data, energy, sampler, alpha):
        self.data, self.energy, self.sampler, self.alpha = data, energy, sampler, alpha

    def parameters(self):
        return list(self.energy.parameters())

    def loss(self, batch_size):
        positive = self.data.batch(batch_size)
        draw = self.sampler.sample(positive, persist=True)
        e_pos, e_neg = self.energy(positive), self.energy(draw.samples)
        loss = e_pos.mean() - e_neg.mean()
        if self.alpha > 0:
            loss = loss + self.alpha * ((e_pos**2).mean() + (e_neg**2).mean())
        return loss, {**draw.stats, "e_data": e_pos.mean(), "e_samples": e_neg.mean(), "gap": e_neg.mean() - e_pos.mean()}
`,
  },
  'objective.nce': {
    imports: ['import torch.nn.functional as F'],
    code: py`
class NoiseContrastiveEstimation:
    """NCE (Gutmann & Hyvärinen 2010): classify data against noise of known density p_n with the
    logit G(x) = −E(x) − c − log(ν·p_n(x)), c ≈ log Z learnt; the loss is
    mean_data softplus(−G) + ν·mean_noise softplus(G)."""

    def __init__(self, data, energy, noise, noise_ratio, init_log_z):
        self.data, self.energy, self.noise, self.noise_ratio = data, energy, noise, noise_ratio
        self.sampler = None
        self.log_z = nn.Parameter(torch.tensor(float(init_log_z)))

    def parameters(self):
        return [*self.energy.parameters(), self.log_z]

    def loss(self, batch_size):
        n_noise = max(1, math.floor(self.noise_ratio * batch_size + 0.5))
        positive, negative = self.data.batch(batch_size), self.noise.sample((n_noise,))
        nu = n_noise / batch_size  # ν as drawn
        e_pos, e_neg = self.energy(positive), self.energy(negative)
        # Where p_n = 0 (outside a uniform box) G = +∞: a point the noise cannot make is surely data.
        g_pos = -e_pos - self.log_z - self.noise.log_prob(positive) - math.log(nu)
        g_neg = -e_neg - self.log_z - self.noise.log_prob(negative) - math.log(nu)
        loss = F.softplus(-g_pos).mean() + nu * F.softplus(g_neg).mean()
        accuracy = ((g_pos > 0).sum() + (g_neg < 0).sum()) / (len(g_pos) + len(g_neg))
        return loss, {"log_z": self.log_z, "accuracy": accuracy, "e_data": e_pos.mean(), "e_noise": e_neg.mean()}
`,
  },
  'objective.cnce': {
    imports: ['import torch.nn.functional as F'],
    code: py`
class ConditionalNCE:
    """Conditional NCE (Ceylan & Gutmann 2018): pair each data point x with κ copies x′ = x + ε·z and
    learn which of the pair is the data: mean softplus(E(x) − E(x′)). No log Z, no sampler. ε is
    in data standard deviations ("relative") or in data units ("absolute")."""

    def __init__(self, data, energy, epsilon, epsilon_units, pairs):
        self.data, self.energy, self.pairs, self.sampler = data, energy, pairs, None
        std = data.train.double().std(0, unbiased=False)
        std = torch.where(std > 0, std, torch.ones_like(std))  # a coordinate without spread gets 1
        self.scale = (epsilon * (std if epsilon_units == "relative" else torch.ones_like(std))).float()

    def parameters(self):
        return list(self.energy.parameters())

    def loss(self, batch_size):
        x = self.data.batch(batch_size).repeat_interleave(self.pairs, 0)  # row i·κ + j: point i
        e_pos, e_pert = self.energy(x), self.energy(x + self.scale * torch.randn_like(x))
        diff = e_pos - e_pert
        return F.softplus(diff).mean(), {"accuracy": (diff < 0).float().mean(), "e_data": e_pos.mean(), "e_perturbed": e_pert.mean()}
`,
  },
  'objective.ed': {
    code: py`
class EnergyDiscrepancy:
    """Energy discrepancy (Schröder et al. 2023): diffuse each data point once, y = x + ξ, draw M
    contrast points x′_j = y + ξ_j (ξ ~ N(0, t²I)) and minimise mean log(w + Σ_j exp(E(x) − E(x′_j)))."""

    def __init__(self, data, energy, t, particles, w):
        self.data, self.energy, self.t, self.m, self.w, self.sampler = data, energy, t, particles, w, None

    def parameters(self):
        return list(self.energy.parameters())

    def loss(self, batch_size):
        x = self.data.batch(batch_size)
        d = x.shape[1]
        xi, xij = self.t * torch.randn(batch_size, 1, d), self.t * torch.randn(batch_size, self.m, d)
        contrast = (x[:, None, :] + xi + xij).reshape(-1, d)  # row i·M + j is x_i + ξ_i + ξ_ij
        e_pos, e_con = self.energy(x), self.energy(contrast)
        terms = e_pos[:, None] - e_con.view(batch_size, self.m)
        if self.w > 0:
            terms = torch.cat([terms, torch.full((batch_size, 1), math.log(self.w))], 1)
        return torch.logsumexp(terms, 1).mean(), {"e_data": e_pos.mean(), "e_contrast": e_con.mean()}
`,
  },
  'objective.ksd': {
    needs: ['score', 'kernels'],
    code: py`
class KernelSteinDiscrepancy:
    """Minimises the U-statistic KSD² between the data and the model score s = −∇ₓE (no sampler, no
    normaliser), RBF kernel of bandwidth h: the batch's median heuristic each step, or fixed."""

    def __init__(self, data, energy, bandwidth, fixed_bandwidth):
        self.data, self.energy, self.bandwidth, self.fixed_bandwidth, self.sampler = data, energy, bandwidth, fixed_bandwidth, None

    def parameters(self):
        return list(self.energy.parameters())

    def loss(self, batch_size):
        if batch_size < 2:
            raise ValueError("the KSD U-statistic needs a batch of at least 2 points")
        x = self.data.batch(batch_size)
        h = self.fixed_bandwidth if self.bandwidth == "fixed" else (median_bandwidth(x) or 1.0)
        x.requires_grad_(True)
        s = -energy_grad(self.energy, x)
        ksd = ksd_u_statistic(x.detach(), s, h)
        return ksd, {"bandwidth": h, "e_data": self.energy(x).mean(), "score_norm": s.norm(dim=1).mean()}
`,
  },
  'objective.sm': {
    needs: ['score'],
    code: py`
MAX_EXACT_SM_DIM = ${MAX_EXACT_SM_DIM}


class ScoreMatching:
    """Hyvärinen's score matching: mean[½‖∇ₓE(x)‖² − tr ∇²ₓE(x)] over the data batch, the Fisher
    divergence up to a constant. The Hessian's trace is exact: d backward passes."""

    def __init__(self, data, energy):
        if data.dim > MAX_EXACT_SM_DIM:
            raise ValueError(f"exact score matching needs {data.dim} backward passes per step; use sliced score matching above {MAX_EXACT_SM_DIM} dimensions")
        self.data, self.energy, self.sampler = data, energy, None

    def parameters(self):
        return list(self.energy.parameters())

    def loss(self, batch_size):
        x = self.data.batch(batch_size).requires_grad_(True)
        g = energy_grad(self.energy, x)
        hess_trace = sum(torch.autograd.grad(g[:, k].sum(), x, create_graph=True)[0][:, k] for k in range(x.shape[1])).mean()
        grad_sq = 0.5 * (g**2).sum(1).mean()
        return grad_sq - hess_trace, {"grad_sq": grad_sq, "hess_trace": hess_trace}
`,
  },
  'objective.ssm': {
    needs: ['score'],
    code: py`
class SlicedScoreMatching:
    """Sliced score matching (Song et al. 2019): mean[½(vᵀ∇ₓE)² − vᵀ∇²ₓE v] over random directions v,
    one Hessian-vector product per direction; the variance-reduced form ("vr") uses ½‖∇ₓE‖²."""

    def __init__(self, data, energy, variant, projection, projections):
        self.data, self.energy, self.variant, self.projection, self.projections, self.sampler = data, energy, variant, projection, projections, None

    def parameters(self):
        return list(self.energy.parameters())

    def loss(self, batch_size):
        x = self.data.batch(batch_size).repeat(self.projections, 1).requires_grad_(True)
        v = projections(len(x), x.shape[1], self.projection)
        g = energy_grad(self.energy, x)
        (hvp,) = torch.autograd.grad((g * v).sum(), x, create_graph=True)  # ∇²ₓE(x)·v, row by row
        hess_trace = (v * hvp).sum(1).mean()
        grad_sq = 0.5 * (g**2).sum(1).mean()
        first = grad_sq if self.variant == "vr" else 0.5 * ((v * g).sum(1) ** 2).mean()
        return first - hess_trace, {"grad_sq": grad_sq, "hess_trace": hess_trace}
`,
  },
  'objective.fdssm': {
    needs: ['score'],
    code: py`
class FiniteDifferenceSSM:
    """Finite-difference sliced score matching (Pang et al. 2020): with v = ε·u, u uniform on the
    unit sphere, (d/ε²)·mean[⅛(E(x+v) − E(x−v))² + 2E(x) − E(x+v) − E(x−v)]: three forward passes,
    no derivative in x, equal to exact score matching up to O(ε²)."""

    def __init__(self, data, energy, epsilon, projections):
        self.data, self.energy, self.epsilon, self.projections, self.sampler = data, energy, epsilon, projections, None

    def parameters(self):
        return list(self.energy.parameters())

    def loss(self, batch_size):
        x = self.data.batch(batch_size).repeat(self.projections, 1)
        d = x.shape[1]
        v = projections(len(x), d, "sphere", self.epsilon)
        e0, e_plus, e_minus = self.energy(torch.cat([x, x + v, x - v])).chunk(3)
        scale = d / self.epsilon**2
        grad_sq = scale / 8 * ((e_plus - e_minus) ** 2).mean()
        hess_trace = scale * (e_plus + e_minus - 2 * e0).mean()
        return grad_sq - hess_trace, {"grad_sq": grad_sq, "hess_trace": hess_trace}
`,
  },
  'objective.dsm': {
    needs: ['score'],
    code: py`
class DenoisingScoreMatching:
    """Denoising score matching (Vincent 2011): x̃ = x + σz, loss mean λ(σ)·½‖z/σ − ∇ₓE(x̃)‖², which
    fits the blurred density p ∗ N(0, σ²I). "ladder": each point gets a level of a geometric ladder
    σ_max … σ_min (NCSN), weighted by λ(σ) = σ² ("sigma2"), σ⁴ ("sigma4") or 1 ("none")."""

    def __init__(self, data, energy, mode, sigma, sigma_max, sigma_min, levels, weighting):
        self.data, self.energy, self.sampler = data, energy, None
        if mode == "single":
            self.sigmas = torch.tensor([float(sigma)])
        else:
            self.sigmas = torch.tensor([sigma_max * (sigma_min / sigma_max) ** (i / (levels - 1)) for i in range(levels)])
        self.power = {"sigma2": 2, "sigma4": 4, "none": 0}[weighting]

    def parameters(self):
        return list(self.energy.parameters())

    def loss(self, batch_size):
        x = self.data.batch(batch_size)
        sigma = self.sigmas[torch.randint(len(self.sigmas), (batch_size, 1))]  # one level per point
        z = torch.randn_like(x)
        noisy = (x + sigma * z).requires_grad_(True)
        g = energy_grad(self.energy, noisy)
        per_point = 0.5 * ((z / sigma - g) ** 2).sum(1) * sigma[:, 0] ** self.power
        return per_point.mean(), {"grad_sq": 0.5 * (g**2).sum(1).mean()}
`,
  },
  'monitor.training': {
    code: py`
class TrainingCurves:
    """The training metrics as curves: loss.png in the app; here, metrics.jsonl is all it needs."""

    def __init__(self, node_id, trainer, smoothing):
        self.node_id, self.trainer = node_id, trainer
        self.plot = {"kind": "curves", "nodeId": node_id, "smoothing": smoothing}

    def evaluate(self, step):
        return {}, None
`,
  },
  'monitor.density2d': {
    needs: ['kernels'],
    code: py`
DISPLAY_GRID = ${DISPLAY_GRID}  # points per axis of the energy picture in snapshots.jsonl


def grid_points(bounds, n):
    """The centres of an n × n grid of cells over a 2-D box, row-major from (xlo, ylo), x fastest."""
    (xlo, xhi), (ylo, yhi) = bounds
    xs = xlo + (torch.arange(n, dtype=torch.float64) + 0.5) * (xhi - xlo) / n
    ys = ylo + (torch.arange(n, dtype=torch.float64) + 0.5) * (yhi - ylo) / n
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([gx.flatten(), gy.flatten()], 1).float()


@torch.no_grad()
def energies(energy, points):
    return torch.cat([energy(chunk) for chunk in points.split(MAX_POINTS_PER_CALL)]).double()


def grid_nll(energy, test, bounds, n):
    """Exact test NLL of a 2-D model (nats per point): log Z ≈ logsumexp(−E) + log(cell area) over
    the n × n grid's cell centres, NLL = mean E(test) + log Z."""
    grid = energies(energy, grid_points(bounds, n))
    if torch.isnan(grid).any():
        raise ValueError("the energy is NaN on the grid")
    (xlo, xhi), (ylo, yhi) = bounds
    log_z = torch.logsumexp(-grid, 0) + math.log((xhi - xlo) / n * (yhi - ylo) / n)
    return float(energies(energy, test).mean() + log_z)


class Density2D:
    """A 2-D model on held-out data: the exact NLL on a grid, NLL − the data's entropy where known
    (KL(p_data‖p_θ) ≥ 0), and MMD² between model samples and held-out points."""

    def __init__(self, node_id, trainer, sampler, grid_size, samples, margin):
        self.node_id, self.trainer, self.grid_size, self.samples = node_id, trainer, grid_size, samples
        self.data, self.energy = trainer.objective.data, trainer.objective.energy
        self.sampler = sampler or trainer.objective.sampler
        self.bounds = [[lo - margin * (hi - lo), hi + margin * (hi - lo)] for lo, hi in self.data.bounds]
        self.held = self.data.test[: min(samples, len(self.data.test))]
        self.plot = {"kind": "samples", "nodeId": node_id}

    def evaluate(self, step):
        nll = grid_nll(self.energy, self.data.test, self.bounds, self.grid_size)
        metrics = {"nll": nll}
        if self.data.entropy is not None:
            metrics["nll_minus_entropy"] = nll - self.data.entropy
        samples = []
        if self.sampler is not None:
            start = self.held.repeat(math.ceil(self.samples / len(self.held)), 1)[: self.samples]
            x = self.sampler.sample(start, persist=False).samples
            metrics["mmd2"] = mmd2(x, self.held)
            samples = x.flatten().tolist()
        shown = energies(self.energy, grid_points(self.bounds, DISPLAY_GRID))
        snapshot = {
            "step": step, "nodeId": self.node_id, "bounds": self.bounds, "gridSize": DISPLAY_GRID,
            "energy": shown.tolist(), "samples": samples, "data": self.held.flatten().tolist(),
        }
        return metrics, snapshot
`,
  },
  'monitor.score': {
    needs: ['kernels'],
    code: py`
class ScoreFit:
    """The model score s = −∇ₓE on held-out data: the Fisher divergence ½·mean‖s − ∇ₓ log p_data‖²
    where the data's density is known, and the KSD² U-statistic of the first held-out points."""

    def __init__(self, node_id, trainer, points):
        self.node_id, self.trainer = node_id, trainer
        self.data, self.energy = trainer.objective.data, trainer.objective.energy
        if len(self.data.test) < 2:
            raise ValueError("the held-out set needs at least 2 points for the KSD")
        self.held = self.data.test[: min(points, len(self.data.test))]
        self.bandwidth = median_bandwidth(self.held)  # fixed for the run, as the points are
        self.plot = None

    def score(self, x):
        return -energy_and_grad(self.energy, x)[1]

    def evaluate(self, step):
        metrics = {}
        density = self.data.density
        if density is not None:
            total = sum(float(((self.score(x) - density.score(x)) ** 2).sum()) for x in self.data.test.split(MAX_POINTS_PER_CALL))
            metrics["fisher"] = 0.5 * total / len(self.data.test)
        if self.bandwidth > 0:
            metrics["ksd"] = float(ksd_u_statistic(self.held.double(), self.score(self.held).double(), self.bandwidth))
        else:
            metrics["ksd"] = math.nan  # every held-out point is the same point: no kernel scale
        return metrics, None
`,
  },
  'monitor.mcmc': {
    imports: ['import numpy as np'],
    code: py`
MIN_KEPT = ${MIN_KEPT}  # fewest kept steps for the autocorrelation and split-R̂
TRACE_CHAINS = ${TRACE_CHAINS}  # chains shown in the energy traces
TRACE_POINTS = ${TRACE_POINTS}  # points per chain in a trace snapshot at most


def autocorrelation(x):
    """ρ_0 … ρ_{n−1} of a series, by FFT over the mean-removed series padded to a power of two ≥ 2n."""
    n = len(x)
    size = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(x - x.mean(), size)
    acov = np.fft.irfft(f * np.conj(f), size)[:n]
    if not (acov[0] > 0 and np.isfinite(acov[0])):
        return np.full(n, np.nan)
    return acov / acov[0]


def autocorrelation_time(x):
    """τ = 1 + 2Σρ_k by Geyer's initial monotone sequence (as Stan), at least 1/log10(n)."""
    n = len(x)
    if n < 4:
        return math.nan
    rho = autocorrelation(x)
    if np.isnan(rho[0]):
        return math.nan
    total, previous = 0.0, math.inf
    for m in range(n // 2):
        pair = rho[2 * m] + rho[2 * m + 1]
        if not pair > 0:
            break
        pair = min(pair, previous)
        total, previous = total + pair, pair
    return max(-1 + 2 * total, 1 / math.log10(n))


def split_rhat(chains):
    """Split-R̂ (Gelman et al. 2013) of equal-length chains cut in halves: ≈ 1 once they have mixed."""
    n = chains.shape[1]
    h = n // 2
    if h < 2:
        return math.nan
    halves = np.concatenate([chains[:, :h], chains[:, n - h :]])
    w = halves.var(1, ddof=1).mean()
    b_over_h = halves.mean(1).var(ddof=1)
    if not (np.isfinite(w) and np.isfinite(b_over_h)):
        return math.nan
    if w == 0:
        return 1.0 if b_over_h == 0 else math.inf
    return math.sqrt(((h - 1) / h * w + b_over_h) / w)


def shown_steps(steps, most=TRACE_POINTS):
    """The sampler steps (1-based) a trace shows: all, or every k-th with the last one added."""
    if steps <= most:
        return list(range(1, steps + 1))
    stride = math.ceil((steps - 1) / (most - 1))
    at = list(range(1, steps + 1, stride))
    return at if at[-1] == steps else at + [steps]


class McmcDiagnostics:
    """How well the sampler mixes: at every snapshot, fresh chains (persistent state left alone) run
    for a fixed number of steps; after a burn-in, the ESS of each chain's energy trace, split-R̂ over
    the chains, the acceptance rate where there is one, and the chains' final energy."""

    def __init__(self, node_id, trainer, sampler, chains, steps, burn_in, start):
        self.node_id, self.trainer, self.chains, self.steps = node_id, trainer, chains, steps
        self.burn_in, self.start = burn_in, start
        self.data = trainer.objective.data
        self.sampler = sampler or trainer.objective.sampler
        if self.sampler is None:
            raise ValueError("there is no sampler to diagnose: connect one (the objective draws no samples)")
        self.held = self.data.test.repeat(math.ceil(chains / len(self.data.test)), 1)[:chains]
        self.plot = {"kind": "trace", "nodeId": node_id}

    def evaluate(self, step):
        lo, hi = torch.tensor(self.data.bounds).T
        start = {"noise": lo + (hi - lo) * torch.rand(self.chains, len(lo)), "data": self.held}.get(self.start)
        draw = self.sampler.sample(self.held, persist=False, start=start, steps=self.steps, trace=True)
        metrics = {"mcmc_chain_energy": float(energy_and_grad(self.sampler.energy, draw.samples)[0].mean())}
        if "acceptance" in draw.stats:
            metrics["mcmc_acceptance"] = draw.stats["acceptance"]
        trace = torch.stack(draw.trace).double().numpy()  # steps × chains
        steps, burn = len(trace), math.floor(self.burn_in * len(trace))
        if steps >= MIN_KEPT:
            kept = trace[burn:].T  # chains × kept steps
            each = [e for e in (len(c) / autocorrelation_time(c) for c in kept) if np.isfinite(e)]
            ess = sum(each) / len(each) if each else math.nan
            metrics.update(ess=ess, ess_per_step=ess / kept.shape[1], rhat=split_rhat(kept))
        shown, at = min(TRACE_CHAINS, trace.shape[1]), shown_steps(steps)
        snapshot = {
            "kind": "trace", "step": step, "nodeId": self.node_id, "steps": steps, "burnIn": burn,
            "totalChains": trace.shape[1], "chains": shown, "at": at,
            "energies": [float(trace[k - 1, c]) for c in range(shown) for k in at],
        }
        return metrics, snapshot
`,
  },
  run: {
    code: py`
class RunFailure(Exception):
    """Stops the run with a diagnostic in the app's shape: a stable code, a message, the node."""

    def __init__(self, code, message, node_id=None):
        super().__init__(message)
        self.code, self.node_id = code, node_id

    def diagnostic(self, step):
        where = {"nodeId": self.node_id} if self.node_id else {}
        return {"code": self.code, "severity": "error", "message": str(self), **where, "step": step}


class OptimizerStep:
    """One parameter update of an objective: its loss (it draws what it needs), backward, the global
    gradient norm clipped to clip_norm when that is > 0, the optimizer's step. Returns the step's
    metrics: the loss, the objective's metrics and grad_norm (before clipping)."""

    def __init__(self, objective, optimizer, clip_norm):
        self.objective, self.optimizer, self.clip_norm = objective, optimizer, clip_norm
        self.params = objective.parameters()

    def __call__(self, batch_size):
        loss, metrics = self.objective.loss(batch_size)
        self.optimizer.zero_grad()
        loss.backward()
        grad_norm = nn.utils.clip_grad_norm_(self.params, self.clip_norm if self.clip_norm > 0 else math.inf)
        self.optimizer.step()
        return {"loss": float(loss), **{k: float(v) for k, v in metrics.items()}, "grad_norm": float(grad_norm)}


class Trainer:
    """A training loop: steps of batch_size, metrics averaged over the steps since the last log line
    (every log_every steps), monitors evaluated every snapshot_every steps and at the end."""

    def __init__(self, name, node_id, update, steps, batch_size, log_every, snapshot_every):
        self.name, self.node_id, self.update, self.objective = name, node_id, update, update.objective
        self.steps, self.batch_size, self.log_every, self.snapshot_every = steps, batch_size, log_every, snapshot_every
        self.sums, self.count = {}, 0

    def step(self, step):
        try:
            values = self.update(self.batch_size)
        except Exception as e:
            raise RunFailure("STEP_FAILED", f"step {step} of {self.name} failed: {e}", self.node_id) from e
        bad = [k for k, v in values.items() if not math.isfinite(v)]
        if bad:
            shown = ", ".join(f"{k} = {values[k]}" for k in bad)
            advice = "Lower the learning rate or the sampler's step, or clip the gradient norm."
            raise RunFailure("NON_FINITE", f"at step {step} of {self.name}, {shown}: the run diverged. {advice}", self.node_id)
        for k, v in values.items():
            self.sums[k] = self.sums.get(k, 0.0) + v
        self.count += 1

    def averages(self):
        row = {k: v / self.count for k, v in self.sums.items()} if self.count else {}
        self.sums, self.count = {}, 0
        return row


def json_ready(value):
    """JSON has no NaN or ∞: they are written as null, which the app reads back as NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    return value


class RunFolder:
    """A run folder in EBM Studio's format, which the app opens like its own runs: graph.ebm.json,
    run.json, metrics.jsonl (one line per log step), snapshots.jsonl, samples.csv, summary.json."""

    def __init__(self, path):
        self.path = Path(path)
        if self.path.exists() and any(self.path.iterdir()):
            raise SystemExit(f"error: the run folder {path} exists and is not empty; nothing was overwritten")
        self.path.mkdir(parents=True, exist_ok=True)
        graph = Path(__file__).with_name("graph.ebm.json")
        if graph.exists():
            (self.path / "graph.ebm.json").write_text(graph.read_text(encoding="utf-8"), encoding="utf-8")
        else:
            print(f"warning: {graph} is missing, so the run folder has no graph.ebm.json", file=sys.stderr)
        (self.path / "metrics.jsonl").write_text("")

    def write(self, name, value):
        (self.path / name).write_text(json.dumps(json_ready(value), indent=2, allow_nan=False) + "\n", encoding="utf-8")

    def append(self, name, value):
        with open(self.path / name, "a", encoding="utf-8") as f:
            f.write(json.dumps(json_ready(value), allow_nan=False) + "\n")

    def samples_csv(self, name, x):
        header = ",".join(f"x{i + 1}" for i in range(x.shape[1]))
        rows = "\n".join(",".join(repr(float(v)) for v in row) for row in x.tolist())
        (self.path / name).write_text(f"{header}\n{rows}\n")


def parse_args():
    ap = argparse.ArgumentParser(description=f"{TITLE}: train on PyTorch and write a run folder in EBM Studio's format.")
    ap.add_argument("--steps", type=int, help="train this many steps (every trainer); default: each trainer's own")
    ap.add_argument("--out", help="run folder (default: runs/<time>-train); it must not exist or be empty")
    ap.add_argument("--seed", type=int, default=SEED, help=f"experiment seed (default {SEED})")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads for torch (default: torch's choice)")
    args = ap.parse_args()
    if args.steps is not None and args.steps < 1:
        ap.error("--steps must be 1 or more")
    args.out = args.out or f"runs/{datetime.now().strftime('%Y%m%d-%H%M%S')}-train"
    if Path(args.out).exists() and any(Path(args.out).iterdir()):
        ap.error(f"the run folder {args.out} exists and is not empty; nothing was overwritten")
    return args


def run_experiment(trainers, monitors, datasets, energies, args):
    """Runs every trainer to its last step (or Ctrl-C), evaluates the monitors, draws the final
    samples and writes the run folder. Returns the process's exit status."""
    for t in trainers:
        t.steps = args.steps or t.steps
    total = max(t.steps for t in trainers)
    folder = RunFolder(args.out)
    started_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    plots = [m.plot for m in monitors if m.plot]
    info = {"runId": folder.path.name, "title": TITLE, "startedAt": started_at, "backend": "cpu", "totalSteps": total, "plots": plots}
    folder.write("run.json", info)
    named = (lambda t, k: f"{t.name}/{k}") if len(trainers) > 1 else (lambda t, k: k)
    final, status, error, done = {}, "completed", None, 0
    started = time.perf_counter()
    print(f"{TITLE}: {total} steps on PyTorch {torch.__version__} (cpu), run folder {folder.path}")
    try:
        while done < total:
            step = done + 1
            log = snapshot = step == total
            for t in trainers:
                if step > t.steps:
                    continue
                t.step(step)
                last = step == t.steps
                log = log or step % t.log_every == 0 or last
                snapshot = snapshot or step % t.snapshot_every == 0 or last
            done = step
            if not (log or snapshot):
                continue
            row = {}
            for t in trainers:
                row.update({named(t, k): v for k, v in t.averages().items()})
            if snapshot:
                for m in monitors:
                    try:
                        with side_stream("monitor", m.node_id, step):
                            metrics, picture = m.evaluate(step)
                    except Exception as e:
                        raise RunFailure("MONITOR_FAILED", f"monitor {m.node_id} failed to evaluate at step {step}: {e}", m.node_id) from e
                    row.update({named(m.trainer, k): v for k, v in metrics.items()})
                    if picture is not None:
                        folder.append("snapshots.jsonl", picture)
            final.update(row)
            folder.append("metrics.jsonl", {"step": step, **row})
            if snapshot:
                shown = "  ".join(f"{k} {v:.4g}" for k, v in row.items())
                print(f"step {step}/{total}  {shown}  ({done / (time.perf_counter() - started):.1f} steps/s)")
    except KeyboardInterrupt:
        status = "cancelled"
    except RunFailure as e:
        status, error = "failed", e.diagnostic(done + 1)
    except Exception as e:
        status, error = "failed", {"code": "RUN_ERROR", "severity": "error", "message": f"the run stopped at step {done + 1}: {e}", "step": done + 1}
    seconds = time.perf_counter() - started

    if status != "failed":  # each trainer's final samples: chains started at held-out points
        with_samples = [t for t in trainers if getattr(t.objective, "sampler", None) is not None]
        for t in with_samples:
            test = t.objective.data.test
            with side_stream("final-samples", t.node_id):
                x = t.objective.sampler.sample(test[: min(${FINAL_SAMPLES}, len(test))], persist=False).samples
            folder.samples_csv("samples.csv" if len(with_samples) == 1 else f"samples-{t.node_id}.csv", x)

    readouts = {k: e.readouts() for k, e in energies.items() if hasattr(e, "readouts")}
    truth = {k: {**d.truth, **({"entropy": d.entropy} if d.entropy is not None else {})} for k, d in datasets.items()}
    energy_id = {id(e): k for k, e in energies.items()}
    data_id = {id(d): k for k, d in datasets.items()}
    known = []
    for t in trainers:  # where an energy's readout has a known true value in the data it trained on
        e, d = energy_id.get(id(t.objective.energy)), data_id.get(id(t.objective.data))
        for quantity, value in readouts.get(e, {}).items():
            if quantity in truth.get(d, {}):
                known.append({"quantity": quantity, "energyNode": e, "dataNode": d, "recovered": value, "truth": truth[d][quantity]})
    summary = {
        "status": status, "title": TITLE, "seed": SEED, "backend": "cpu", "framework": f"pytorch {torch.__version__}",
        "steps": done, "totalSteps": total, "seconds": seconds, "stepsPerSecond": done / seconds if seconds > 0 else 0,
        "final": final, "readouts": readouts, "truth": truth, "knownAnswers": known,
        **({"error": error} if error else {}), "outDir": str(folder.path),
    }
    folder.write("summary.json", summary)
    print(f"{status} at step {done} of {total} in {seconds:.1f} s ({summary['stepsPerSecond']:.1f} steps/s)")
    for a in known:
        print(f"  {a['quantity']}: recovered {json.dumps(a['recovered'])}, truth {json.dumps(a['truth'])}")
    if error:
        print(f"error {error['code']}: {error['message']}", file=sys.stderr)
    return {"completed": 0, "failed": 1, "cancelled": 130}[status]
`,
  },
} as const satisfies Record<string, Block>;

type BlockKey = keyof typeof BLOCKS;
const BLOCK_ORDER = Object.keys(BLOCKS) as BlockKey[];
const isBlockKey = (key: string): key is BlockKey => key in BLOCKS;
for (const [key, block] of Object.entries(BLOCKS) as [string, Block][])
  for (const dep of block.needs ?? []) if (!isBlockKey(dep)) throw new Error(`pytorch export: block ${key} needs ${dep}, which does not exist`);

// ---------------------------------------------------------------------------------------------
// Sections: one per node, its parameters as constants and the object built from them.

interface NodeView {
  readonly node: PlannedNode;
  /** The node's Python variable. */
  readonly v: string;
  /** The constant holding a parameter. */
  c(param: string): string;
  /** The variable of the node connected to an input port, or None when it is unconnected. */
  input(port: string): string;
}

interface Emitted {
  blocks: BlockKey[];
  /** Python statements that build the node from its constants. */
  build: string;
  /** Code in the section before the constants (a placeholder class). */
  before?: string;
}

const kwargs = (n: NodeView, map: Record<string, string>): string =>
  Object.entries(map)
    .map(([arg, param]) => `${arg}=${n.c(param)}`)
    .join(', ');

/** ChainStarts(...) of a sampler with the chain-start parameters. */
const chainStarts = (n: NodeView): string =>
  `ChainStarts(\n        ${n.input('energy')}.input_dim, ${kwargs(n, { init: 'init', noise_low: 'noiseLow', noise_high: 'noiseHigh' })},\n        ${kwargs(n, { buffer_size: 'bufferSize', reinit_prob: 'reinitProb' })},\n    )`;

const call = (v: string, fn: string, args: string[]): string => `${v} = ${fn}(\n${args.map((a) => `    ${a},`).join('\n')}\n)`;

const EMITTERS: Record<string, (n: NodeView) => Emitted> = {
  'data.gaussian': (n) => ({
    blocks: ['data.gaussian'],
    build: `${n.v} = gaussian_data(${kwargs(n, { dim: 'dim', mean: 'mean', std: 'std', train_size: 'trainSize', test_size: 'testSize' })})`,
  }),
  'data.toy2d': (n) => ({
    blocks: ['data.toy2d'],
    build: `${n.v} = toy2d_data(${n.c('dataset')}, ${kwargs(n, { train_size: 'trainSize', test_size: 'testSize' })})`,
  }),
  'noise.gaussian': (n) => ({ blocks: ['noise.gaussian'], build: `${n.v} = gaussian_noise(${n.input('data')}, scale=${n.c('scale')})` }),
  'noise.uniform': (n) => ({
    blocks: ['noise.uniform'],
    build: `${n.v} = uniform_noise(${n.input('data')}, ${kwargs(n, { box: 'box', margin: 'margin', low: 'low', high: 'high' })})`,
  }),
  'noise.mixture': (n) => ({
    blocks: ['noise.mixture'],
    build: call(n.v, 'mixture_noise', [
      n.input('data'),
      kwargs(n, { components: 'components', covariance: 'covariance', iterations: 'iterations' }),
      kwargs(n, { restarts: 'restarts', variance_floor: 'varianceFloor', fit_points: 'fitPoints' }),
    ]),
  }),
  'energy.mlp': (n) => ({
    blocks: ['energy.mlp'],
    build: `${n.v} = MLPEnergy(${kwargs(n, { input_dim: 'inputDim', hidden: 'hidden', activation: 'activation' })})`,
  }),
  'energy.gaussian': (n) => ({
    blocks: ['energy.gaussian'],
    build: `${n.v} = GaussianEnergy(${kwargs(n, { dim: 'dim', covariance: 'covariance', init_mean: 'initMean', init_variance: 'initVariance' })})`,
  }),
  'sampler.langevin': (n) => ({
    blocks: ['sampler.langevin'],
    build: call(n.v, 'Langevin', [
      n.input('energy'),
      kwargs(n, { parameterisation: 'parameterisation', step_size: 'stepSize', eta: 'eta', sigma: 'sigma' }),
      kwargs(n, { steps: 'steps', grad_clip: 'gradClip' }),
      `starts=${chainStarts(n)}`,
    ]),
  }),
  'sampler.mala': (n) => ({
    blocks: ['sampler.mala'],
    build: call(n.v, 'Mala', [
      n.input('energy'),
      kwargs(n, { step_size: 'stepSize', steps: 'steps', adapt_step: 'adaptStep', target_acceptance: 'targetAcceptance' }),
      `starts=${chainStarts(n)}`,
    ]),
  }),
  'sampler.hmc': (n) => ({
    blocks: ['sampler.hmc'],
    build: call(n.v, 'Hmc', [
      n.input('energy'),
      kwargs(n, { step_size: 'stepSize', leapfrog_steps: 'leapfrogSteps', steps: 'steps', mass: 'mass' }),
      kwargs(n, { adapt_step: 'adaptStep', target_acceptance: 'targetAcceptance' }),
      `starts=${chainStarts(n)}`,
    ]),
  }),
  'sampler.annealedLangevin': (n) => ({
    blocks: ['sampler.annealedLangevin'],
    build: call(n.v, 'AnnealedLangevin', [
      n.input('energy'),
      kwargs(n, { sigma_max: 'sigmaMax', sigma_min: 'sigmaMin', levels: 'levels', steps_per_level: 'stepsPerLevel', step_size: 'stepSize' }),
      `starts=${chainStarts(n)}`,
    ]),
  }),
  'sampler.replayBuffer': (n) => ({
    blocks: ['sampler.replayBuffer'],
    build: call(n.v, 'ReplayBufferSampler', [
      n.input('sampler'),
      `data=${n.input('data')}`,
      kwargs(n, { buffer_size: 'bufferSize', reinit_prob: 'reinitProb', policy: 'policy', restart: 'restart' }),
      kwargs(n, { noise_low: 'noiseLow', noise_high: 'noiseHigh', restart_std: 'restartStd' }),
    ]),
  }),
  'objective.ml': (n) => ({
    blocks: ['objective.ml'],
    build: `${n.v} = MaximumLikelihood(${n.input('data')}, ${n.input('energy')}, ${n.input('sampler')}, alpha=${n.c('alpha')})`,
  }),
  'objective.nce': (n) => ({
    blocks: ['objective.nce'],
    build: `${n.v} = NoiseContrastiveEstimation(${n.input('data')}, ${n.input('energy')}, ${n.input('noise')}, ${kwargs(n, { noise_ratio: 'noiseRatio', init_log_z: 'initLogZ' })})`,
  }),
  'objective.cnce': (n) => ({
    blocks: ['objective.cnce'],
    build: `${n.v} = ConditionalNCE(${n.input('data')}, ${n.input('energy')}, ${kwargs(n, { epsilon: 'epsilon', epsilon_units: 'epsilonUnits', pairs: 'pairs' })})`,
  }),
  'objective.ed': (n) => ({
    blocks: ['objective.ed'],
    build: `${n.v} = EnergyDiscrepancy(${n.input('data')}, ${n.input('energy')}, ${kwargs(n, { t: 't', particles: 'particles', w: 'w' })})`,
  }),
  'objective.ksd': (n) => ({
    blocks: ['objective.ksd'],
    build: `${n.v} = KernelSteinDiscrepancy(${n.input('data')}, ${n.input('energy')}, ${kwargs(n, { bandwidth: 'bandwidth', fixed_bandwidth: 'fixedBandwidth' })})`,
  }),
  'objective.sm': (n) => ({ blocks: ['objective.sm'], build: `${n.v} = ScoreMatching(${n.input('data')}, ${n.input('energy')})` }),
  'objective.ssm': (n) => ({
    blocks: ['objective.ssm'],
    build: `${n.v} = SlicedScoreMatching(${n.input('data')}, ${n.input('energy')}, ${kwargs(n, { variant: 'variant', projection: 'projection', projections: 'projections' })})`,
  }),
  'objective.fdssm': (n) => ({
    blocks: ['objective.fdssm'],
    build: `${n.v} = FiniteDifferenceSSM(${n.input('data')}, ${n.input('energy')}, ${kwargs(n, { epsilon: 'epsilon', projections: 'projections' })})`,
  }),
  'objective.dsm': (n) => ({
    blocks: ['objective.dsm'],
    build: call(n.v, 'DenoisingScoreMatching', [
      n.input('data'),
      n.input('energy'),
      kwargs(n, { mode: 'mode', sigma: 'sigma', sigma_max: 'sigmaMax', sigma_min: 'sigmaMin', levels: 'levels', weighting: 'weighting' }),
    ]),
  }),
  'optimizer.adam': (n) => {
    const objective = n.input('objective');
    return {
      blocks: [],
      build: call(n.v, 'OptimizerStep', [
        objective,
        `torch.optim.Adam(${objective}.parameters(), lr=${n.c('learningRate')}, betas=(${n.c('beta1')}, ${n.c('beta2')}), eps=${n.c('epsilon')})`,
        `clip_norm=${n.c('clipNorm')}`,
      ]),
    };
  },
  'optimizer.sgd': (n) => {
    const objective = n.input('objective');
    return {
      blocks: [],
      build: call(n.v, 'OptimizerStep', [
        objective,
        // PyTorch refuses Nesterov without momentum; with none it is plain SGD either way.
        `torch.optim.SGD(${objective}.parameters(), lr=${n.c('learningRate')}, momentum=${n.c('momentum')}, nesterov=${n.c('nesterov')} and ${n.c('momentum')} > 0)`,
        `clip_norm=${n.c('clipNorm')}`,
      ]),
    };
  },
  'trainer.loop': (n) => ({
    blocks: [],
    build: call(n.v, 'Trainer', [
      `${pyString(n.node.name)}, ${pyString(n.node.id)}, ${n.input('optimizer')}`,
      kwargs(n, { steps: 'steps', batch_size: 'batchSize', log_every: 'logEvery', snapshot_every: 'snapshotEvery' }),
    ]),
  }),
  'monitor.training': (n) => ({
    blocks: ['monitor.training'],
    build: `${n.v} = TrainingCurves(${pyString(n.node.id)}, ${n.input('trainer')}, smoothing=${n.c('smoothing')})`,
  }),
  'monitor.density2d': (n) => ({
    blocks: ['monitor.density2d'],
    build: call(n.v, 'Density2D', [
      `${pyString(n.node.id)}, ${n.input('trainer')}, sampler=${n.input('sampler')}`,
      kwargs(n, { grid_size: 'gridSize', samples: 'samples', margin: 'margin' }),
    ]),
  }),
  'monitor.score': (n) => ({
    blocks: ['monitor.score'],
    build: `${n.v} = ScoreFit(${pyString(n.node.id)}, ${n.input('trainer')}, points=${n.c('points')})`,
  }),
  'monitor.mcmc': (n) => ({
    blocks: ['monitor.mcmc'],
    build: call(n.v, 'McmcDiagnostics', [
      `${pyString(n.node.id)}, ${n.input('trainer')}, sampler=${n.input('sampler')}`,
      kwargs(n, { chains: 'chains', steps: 'steps', burn_in: 'burnIn', start: 'start' }),
    ]),
  }),
};

/** The node types train.py carries over; any other gets a placeholder and a note. */
export const PYTORCH_NODE_TYPES: readonly string[] = Object.keys(EMITTERS);

/** What cannot be carried, and why: the placeholder's message and the note. */
function notCarried(node: PlannedNode): string {
  if (node.def.type === 'energy.custom')
    return 'a Custom energy is TypeScript run in EBM Studio’s sandbox, which cannot be translated to PyTorch automatically';
  return `the PyTorch export does not know the node type ${node.def.type} yet`;
}

/** A placeholder for a node that is not carried: a class that stops the script with a message
 * saying what to write, and the original code (a Custom energy's TypeScript) in a comment. */
function placeholder(n: NodeView, why: string): Emitted {
  const cls = `NotCarried_${n.v}`;
  const code = typeof n.node.params.code === 'string' ? n.node.params.code : null;
  const message = `${n.node.def.title} "${oneLine(n.node.name)}" (${n.node.def.type}) was not carried over from EBM Studio: ${why}. Write class ${cls} in train.py${code ? ' (its original code is in the comment above it)' : ''}.`;
  const lines =
    n.node.def.category === 'energy'
      ? [
          `# NOT CARRIED OVER: ${why}. Write this node by hand: declare its parameters in __init__`,
          '# (nn.Parameter), write forward(x) returning one energy per row, then delete the raise.',
          ...(code ? ['# Its code in EBM Studio:', '#', ...code.trimEnd().split('\n').map((l) => `#   ${l}`.trimEnd())] : []),
          `class ${cls}(nn.Module):`,
          '    def __init__(self, input_dim):',
          '        super().__init__()',
          '        self.input_dim = input_dim',
          `        raise NotImplementedError(${pyString(message)})`,
          '',
          '    def forward(self, x):',
          '        raise NotImplementedError',
        ]
      : [
          `# NOT CARRIED OVER: ${why}. Write this node by hand, as the other sections are written`,
          '# (its documentation is in the app), then delete the raise.',
          `class ${cls}:`,
          '    def __init__(self, *inputs):',
          `        raise NotImplementedError(${pyString(message)})`,
        ];
  const dim = 'inputDim' in n.node.def.params ? n.c('inputDim') : 'dim' in n.node.def.params ? n.c('dim') : '';
  const inputs = Object.keys(n.node.def.inputs).map((port) => n.input(port));
  return { blocks: [], before: lines.join('\n'), build: `${n.v} = ${cls}(${n.node.def.category === 'energy' ? dim || 'None' : inputs.join(', ')})` };
}

// ---------------------------------------------------------------------------------------------
// Python text.

const PY_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
);
/** Names train.py uses itself at the top level: node variables must not shadow them. */
const RESERVED = new Set(['args', 'argparse', 'json', 'math', 'sys', 'time', 'zlib', 'torch', 'nn', 'np', 'F', 'namedtuple', 'contextmanager', 'datetime', 'timezone', 'Path', 'status', 'id', 'len', 'list', 'dict', 'min', 'max', 'sum', 'print', 'range', 'float', 'int', 'str']);

function definedNames(code: string): string[] {
  return [...code.matchAll(/^(?:def|class) (\w+)|^(\w+) =/gm)].map((m) => (m[1] ?? m[2])!);
}
for (const block of Object.values(BLOCKS) as Block[]) for (const name of definedNames(block.code)) RESERVED.add(name);

const snake = (s: string): string =>
  s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();

/** The constant that holds a node's parameter: NODE_VAR_PARAM_NAME. */
const constantName = (nodeVar: string, param: string): string => `${nodeVar.toUpperCase()}_${snake(param).toUpperCase()}`;

/** A string as a Python literal (a JSON string is one). */
export function pyString(s: string): string {
  return JSON.stringify(s);
}

/** A parameter's value as a Python literal of its kind. */
function pyValue(spec: ParamSpec, value: unknown): string {
  switch (spec.kind) {
    case 'number': {
      const v = value as number;
      const s = String(v);
      return /[.e]/.test(s) ? s : `${s}.0`;
    }
    case 'integer':
      return String(value as number);
    case 'boolean':
      return value ? 'True' : 'False';
    case 'integerList':
      return `[${(value as number[]).join(', ')}]`;
    case 'choice':
    case 'code':
      return pyString(value as string);
  }
}

function pyDict(record: Readonly<Record<string, number>>): string {
  return `{\n${Object.entries(record)
    .map(([k, v]) => `    ${pyString(k)}: ${String(v)},`)
    .join('\n')}\n}`;
}

/** One comment line per ~100 columns. */
function commentLines(text: string, prefix = '# ', width = 100): string[] {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && prefix.length + line.length + 1 + w.length > width) {
      lines.push(prefix + line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(prefix + line);
  return lines;
}

/** The first sentence of a node type's docs. */
const firstSentence = (doc: string): string => /^(.+?\.)(\s|$)/.exec(doc)?.[1] ?? doc;

/** The comment after a constant: its title, unit, the choices, and when it is used. */
function constantComment(spec: ParamSpec, specs: Readonly<Record<string, ParamSpec>>): string {
  const parts = [spec.title];
  if ('unit' in spec && spec.unit && !spec.title.toLowerCase().includes(spec.unit)) parts[0] += ` (${spec.unit})`;
  if (spec.kind === 'choice') parts.push(spec.options.map((o) => pyString(o.value)).join(' | '));
  if (spec.visibleWhen) {
    const other = specs[spec.visibleWhen.param];
    const values = spec.visibleWhen.oneOf.map((v) => (typeof v === 'string' ? pyString(v) : v ? 'True' : 'False')).join(' or ');
    parts.push(`used when ${other ? other.title.toLowerCase() : spec.visibleWhen.param} is ${values}`);
  }
  return parts.join('; ').replace(/\s+/g, ' ');
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ');

function docString(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"');
}

// ---------------------------------------------------------------------------------------------

/**
 * The PyTorch project of a graph: train.py, README.md, requirements.txt and the graph itself.
 * Throws with every error when the graph does not compile (the app could not run it either).
 */
export function pytorchProject(document: GraphDocument, catalog: Catalog): PyTorchProject {
  const { plan, diagnostics } = compile(document, catalog);
  if (!plan || hasErrors(diagnostics)) {
    const errors = diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    throw new Error(`the graph cannot be exported: it does not compile (the app could not run it either):\n  ${errors.join('\n  ')}`);
  }
  const notes: string[] = diagnostics.map((d) => `Left as the app leaves it: ${d.message}.`.replace(/\.\.$/, '.'));

  // Python names: one variable per node, its constants prefixed with it; none may shadow another
  // name of the script, nor may two nodes' constants meet (node "a_b" param "c", node "a" param "bC").
  const taken = new Set(RESERVED);
  const varOf = new Map<string, string>();
  for (const node of plan.nodes) {
    let base = snake(node.id) || 'node';
    if (/^[0-9]/.test(base)) base = `n_${base}`;
    const names = (v: string) => [v, ...Object.keys(node.def.params).map((p) => constantName(v, p))];
    let v = base;
    for (let i = 2; PY_KEYWORDS.has(v) || names(v).some((n) => taken.has(n)); i++) v = `${base}_${i}`;
    names(v).forEach((n) => taken.add(n));
    varOf.set(node.id, v);
  }

  const blocks = new Set<BlockKey>(['common', 'run']);
  const need = (key: BlockKey): void => {
    if (blocks.has(key)) return;
    blocks.add(key);
    for (const dep of (BLOCKS[key] as Block).needs ?? []) if (isBlockKey(dep)) need(dep);
  };
  const sections: string[] = [];
  const carried: string[] = [];
  const missing: string[] = [];
  // Which nodes the run reports on; trainers in document order, as the app runs them (plan.trainers).
  const roles = { data: [] as string[], energy: [] as string[], monitor: [] as string[] };

  for (const node of plan.nodes) {
    const v = varOf.get(node.id)!;
    const specs = node.def.params as Readonly<Record<string, ParamSpec>>;
    const constants: string[] = [];
    const view: NodeView = {
      node,
      v,
      c: (param) => {
        if (!(param in specs)) throw new Error(`pytorch export: ${node.def.type} has no parameter ${param}`);
        return constantName(v, param);
      },
      input: (port) => {
        const ref = node.inputs[port];
        return ref ? varOf.get(ref.node)! : 'None';
      },
    };
    for (const [name, spec] of Object.entries(specs)) {
      if (spec.kind === 'code' || (node.def.type === 'energy.custom' && name === 'timeLimit')) continue;
      constants.push(`${view.c(name)} = ${pyValue(spec, node.params[name])}  # ${constantComment(spec, specs)}`);
    }
    const emitter = EMITTERS[node.def.type];
    let emitted: Emitted;
    if (emitter) {
      emitted = emitter(view);
      carried.push(node.def.type);
    } else {
      const why = notCarried(node);
      emitted = placeholder(view, why);
      missing.push(`${node.def.title} "${node.name}" (${node.def.type}) is not carried over: ${why}. train.py has a placeholder class at its section that stops the script until you write it by hand; everything else is carried.`);
    }
    emitted.blocks.forEach(need);
    const header = `# ── ${node.def.title} "${oneLine(node.name)}" (${node.def.type}${node.name !== node.id ? `, id "${oneLine(node.id)}"` : ''}) `;
    sections.push(
      [
        header.padEnd(100, '─'),
        ...commentLines(firstSentence(node.def.doc)),
        ...(emitted.before ? [emitted.before, ''] : []),
        ...constants,
        emitted.build,
      ].join('\n'),
    );
    const category = node.def.category;
    if (category === 'data' || category === 'energy' || category === 'monitor') roles[category].push(node.id);
  }

  const imports = new Set<string>();
  const library: string[] = [];
  for (const key of BLOCK_ORDER) {
    if (!blocks.has(key)) continue;
    const block = BLOCKS[key] as Block;
    block.imports?.forEach((i) => imports.add(i));
    library.push(block.code.trim());
  }

  const ref = (id: string) => varOf.get(id)!;
  const title = document.metadata.title || 'Untitled';
  const defaultSteps = Math.max(...plan.trainers.map((id) => plan.nodes.find((n) => n.id === id)!.params.steps as number));
  const trainPy = [
    '#!/usr/bin/env python3',
    `"""${docString(title)}`,
    '',
    ...(document.metadata.description
      ? document.metadata.description.split(/\n\s*\n/).flatMap((p) => [...commentLines(docString(p), ''), ''])
      : []),
    `Exported from EBM Studio ${APP_VERSION} to PyTorch: the graph (graph.ebm.json, beside this file) as a plain`,
    'script. Run it with',
    '',
    `    python3 train.py --steps ${defaultSteps} --out runs/first`,
    '',
    "It writes a run folder in EBM Studio's format (metrics.jsonl with the app's metric names at the same",
    'log steps, summary.json with the final metrics, readouts and known answers, run.json,',
    "snapshots.jsonl, samples.csv), which the app opens: put it in the app's runs folder. The numbers",
    "differ from the app's run of the same graph (another random number generator); the methods, the",
    'defaults and the known answers are the same.',
    ...(missing.length
      ? ['', 'NOT CARRIED OVER (the script stops at each until you write it by hand):', ...missing.map((n) => `  - ${docString(n)}`)]
      : []),
    '"""',
    'import argparse',
    'import json',
    'import math',
    'import sys',
    'import time',
    'import zlib',
    'from collections import namedtuple',
    'from contextlib import contextmanager',
    'from datetime import datetime, timezone',
    'from pathlib import Path',
    '',
    ...[...imports].filter((i) => i.includes('numpy')),
    'import torch',
    ...[...imports].filter((i) => !i.includes('numpy')),
    'from torch import nn',
    '',
    `SEED = ${document.seed}`,
    `TITLE = ${pyString(title)}`,
    '',
    '',
    `# ${'═'.repeat(30)} Building blocks: the node types this graph uses ${'═'.repeat(18)}`,
    '',
    library.join('\n\n\n'),
    '',
    '',
    `# ${'═'.repeat(30)} The experiment: the graph, node by node ${'═'.repeat(27)}`,
    '',
    'args = parse_args()',
    'SEED = args.seed',
    'torch.manual_seed(SEED)',
    'if args.threads:',
    '    torch.set_num_threads(args.threads)',
    '',
    sections.join('\n\n'),
    '',
    `# ${'─'.repeat(97)}`,
    'sys.exit(',
    '    run_experiment(',
    `        trainers=[${plan.trainers.map(ref).join(', ')}],`,
    `        monitors=[${roles.monitor.map(ref).join(', ')}],`,
    `        datasets={${roles.data.map((id) => `${pyString(id)}: ${ref(id)}`).join(', ')}},`,
    `        energies={${roles.energy.map((id) => `${pyString(id)}: ${ref(id)}`).join(', ')}},`,
    '        args=args,',
    '    )',
    ')',
    '',
  ].join('\n');

  notes.unshift(...missing);
  const readme = readmeText(title, document.metadata.description, defaultSteps, [...new Set(carried)], notes);
  return {
    files: {
      'train.py': trainPy,
      'README.md': readme,
      'requirements.txt': 'torch\nnumpy\n',
      'graph.ebm.json': serializeGraph(document),
    },
    notes,
  };
}

function readmeText(title: string, description: string, steps: number, carried: string[], notes: string[]): string {
  return [
    `# ${oneLine(title)}`,
    '',
    ...(description ? [description, ''] : []),
    'An EBM Studio graph exported to a plain PyTorch script. Train it with:',
    '',
    '```sh',
    `python3 train.py --steps ${steps} --out runs/first`,
    '```',
    '',
    'Options: `--steps N` (every trainer; default: each trainer’s own), `--out DIR` (the run folder;',
    'it must not exist or be empty), `--seed S`, `--threads N`.',
    '',
    'Requirements: Python 3 with PyTorch and NumPy (`pip install -r requirements.txt`, or Debian’s',
    '`python3-torch`). It runs on the CPU.',
    '',
    '## What it writes',
    '',
    'A run folder in EBM Studio’s format, which the app opens like its own runs (write it into the',
    'app’s runs folder, e.g. the web host’s `runs/`): `graph.ebm.json` (copied from beside `train.py`), `run.json`,',
    '`metrics.jsonl` (the app’s metric names, logged at the same steps and averaged the same way),',
    '`snapshots.jsonl` (the 2-D monitors’ pictures and the MCMC energy traces), `samples.csv` and',
    '`summary.json` (status, final metrics, readouts, and the known answers where the truth is known).',
    'No PNGs: open the folder in the app to see the plots.',
    '',
    'The numbers differ from the app’s run of the same graph: PyTorch draws other random numbers',
    '(one stream seeded with `torch.manual_seed(SEED)`; the monitors and final samples draw on side',
    'streams, so they do not change training). The methods, the defaults and the known answers are',
    'the same.',
    '',
    '## Carried over',
    '',
    `Every node of the graph, as \`train.py\` shows it section by section: ${carried.map((t) => `\`${t}\``).join(', ')}.`,
    'Each section starts with the node’s parameters as plain constants: edit them there.',
    '',
    ...(notes.length ? ['## Not carried over, or left out', '', ...notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}
