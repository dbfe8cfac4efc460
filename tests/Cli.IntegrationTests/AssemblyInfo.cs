// Each test class starts whole pipelines (three services and the embedded stack) on a 2-core
// machine; running them one at a time keeps their waits meaningful.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
