// One pipeline and one browser for the class; on a 2-core machine nothing else runs beside them.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
