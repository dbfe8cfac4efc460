// The tests stop and start the shared ClickHouse endpoint and run sink processes on a 2-core machine:
// one test at a time keeps them from disturbing each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
