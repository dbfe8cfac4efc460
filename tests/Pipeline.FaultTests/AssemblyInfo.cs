// Each class starts its own `up` (stack and three services); on a 2-core machine several at once
// slow each other far past the tests' deadlines, so the classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
