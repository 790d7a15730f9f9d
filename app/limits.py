"""Every limit the server enforces, in one place that imports nothing of the app.

The engine, the API schemas, the settings, the middleware and the pages (through app/catalog.py)
read them here, so a limit is changed once and the pages never keep a copy that can drift.
Ranges that only say what a sensible value is (a seed, a noise level, one lab's knobs) stay with
their fields in app/api/schemas/.
"""

# ── a network scenario ───────────────────────────────────────────────────────
MAX_LAYERS = 10  # weight layers, not counting the input layer
MAX_WIDTH = 64  # neurons in any layer, the input layer included
MAX_SAMPLES = 10_000  # samples (rows of inputs and targets) in one request
MAX_ABS = 1e6  # |value| of inputs, targets, weights and biases
MAX_LEARNING_RATE = 1e6  # the learning rate η

# ── stepping and explaining ──────────────────────────────────────────────────
MAX_STEP_CELLS = 1_000_000  # samples × neurons (or nodes) for the stepped endpoints
MAX_RUN_STEPS = 20_000  # steps of a plan /api/run lists with explanations
MAX_EXPLAINED = 5_000  # steps of one coarse unit explained in one answer (max_explained)
MAX_PRECISION = 12  # decimals in an explanation, and decimals a checked answer was worked to
MAX_EXPANDED_PRODUCTS = 1_000  # weights drawn as their own multiplication when expanded
# Iterations of a lesson (/api/step, /api/graph `iteration`): iteration k starts from k − 1
# full-batch updates, computed in the request. Their work, (k − 1) × iteration_work (3 × samples ×
# (parameters + 8 × neurons) + 15,000 per layer, about 1–4 ns a unit here), is bounded too.
MAX_ITERATION = 20_000  # as many as /api/train's epochs
MAX_ITERATION_WORK = 600_000_000  # about a second here; every preset reaches iteration 9,000+
MAX_LOSS_HISTORY = 250  # (iteration, loss) points in an answer; beyond, evenly spaced ones

# ── expressions (the engine's parser reads these) ────────────────────────────
MAX_EXPRESSION_LENGTH = 500  # characters in an expression
MAX_EXPRESSION_DEPTH = 20  # nested parentheses (a function call's parentheses count)
MAX_EXPRESSION_OPERATIONS = 100  # op nodes in an expression's graph
MAX_EXPRESSION_VARIABLES = 20  # distinct variables in an expression
MAX_VARIABLE_NAME = 24  # characters in a variable name
MAX_EXPRESSION_NUMBER = 1e6  # |number| written in an expression

# ── check my working ─────────────────────────────────────────────────────────
MAX_WORKSHEET_QUANTITIES = 2_000  # numbers in one worksheet: far more than anyone checks by hand
MAX_CHECK_ENTRIES = 1_000  # answers checked in one request

# ── training and datasets ────────────────────────────────────────────────────
MAX_TRAIN_EPOCHS = 20_000  # epochs of one training run
MAX_TRAIN_SECONDS = 10.0  # wall-time budget of /api/train
MAX_STREAM_SECONDS = 60.0  # wall-time budget of /api/train/stream
MAX_GRID = 64  # heat-map cells per side
MAX_CSV_CHARS = 500_000  # characters of an uploaded CSV dataset
MAX_STREAM_BYTES_PER_SECOND = 1_048_576  # progress events of one stream, on average (1 MiB/s)
# Progress events carry the network's current weights and biases (full precision, about 20 bytes
# each) when it has at most this many parameters, so a page can show a run it stopped; larger
# networks' events leave them out (100 kB an event would crowd out the loss curve's updates).
MAX_STREAMED_PARAMETERS = 5_000
# A twin run's events carry two networks: each twin's weights ride only up to half as many, so an
# event is no larger than a single run's.
MAX_TWIN_STREAMED_PARAMETERS = MAX_STREAMED_PARAMETERS // 2
# Estimated cost of a gradient check, in units of about a nanosecond here: two forward passes per
# parameter, each samples × (parameters + 8 × neurons) + 5,000 per layer (see gradcheck_cost).
MAX_GRADCHECK_WORK = 1_000_000_000
MAX_GRADCHECK_SECONDS = 5.0  # wall time of the finite differences; then it stops (422)

# ── a request ────────────────────────────────────────────────────────────────
MAX_BODY_BYTES = 1_048_576  # default request body size (settings may change it; 413 beyond)
MAX_BODY_BYTES_SETTING = 64 * MAX_BODY_BYTES  # the largest body size the settings accept
MAX_JSON_DEPTH = 32  # nesting of a request body; the deepest valid request needs 5
MAX_JSON_CONTAINERS = 100_000  # lists and objects in a body (400); the largest valid has ~51,000
DISCONNECT_POLL_SECONDS = 0.1  # how often work in the pool looks for a client that has left

# ── a connection (the `backstep` command's server) ───────────────────────────
MAX_HEADER_BYTES = 65_536  # request line and headers of one request (431 beyond)
HEADER_TIMEOUT_SECONDS = 10.0  # from a request's first byte to the end of its headers (408)
IDLE_TIMEOUT_SECONDS = 5  # a connection with no request under way is closed after this
MAX_CONNECTION_SECONDS = 5.0  # a keep-alive connection is closed after an answer once this old
MAX_CONNECTIONS = 1_000  # open connections per worker; beyond, new requests get 503

# ── live class sessions (app/live; the settings may change the first three) ──────────
LIVE_MAX_SESSIONS = 100  # sessions one server (every worker sharing one broker) holds at once
LIVE_MAX_FOLLOWERS = 200  # followers of one session
LIVE_IDLE_SECONDS = 7_200  # a session whose presenter has been gone this long ends
MAX_LIVE_STATE_BYTES = 262_144  # one published state (the page's whole lesson, scenario included)
MAX_QUESTION_CHARS = 64  # a prediction question's id
MAX_ANSWER_ABS = 1e6  # |number| a follower may predict
LIVE_LOOKUP_FAILURES = 30  # unknown codes or wrong secrets per address per window, then 429
LIVE_CREATE_ATTEMPTS = 10  # sessions one address may start per window, then 429
LIVE_WINDOW_SECONDS = 60.0  # the window of both rate limits
LIVE_HEARTBEAT_SECONDS = 10.0  # a follower's stream sends a comment this often (and counts it)
LIVE_TALLY_WAIT_SECONDS = 25.0  # the longest a presenter's tally request waits for a change
LIVE_TALLY_WAITERS = 4  # tally requests of one session waiting at once, per worker (429 beyond)
