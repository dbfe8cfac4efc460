using System.Net.Sockets;
using ClickHouse.Driver;
using ClickHouse.Driver.Copy;

namespace Pipeline.SinkWriter.Storage;

internal enum InsertFailureKind
{
    /// <summary>Worth retrying as is: the server or the way to it is unavailable or overloaded.</summary>
    Transient,
    /// <summary>Retrying alone cannot help, but it is no row's fault either (missing table, credentials): retried while an operator fixes it.</summary>
    Environment,
    /// <summary>ClickHouse refused the data: some row in the batch is bad, so the batch is split to find it.</summary>
    Refused,
}

/// <summary>Sorts an insert failure into what the sink does about it.</summary>
internal static class InsertFailure
{
    // ClickHouse error codes (src/Common/ErrorCodes.cpp) for which the same insert succeeds later.
    private static readonly HashSet<int> TransientCodes =
    [
        3,    // UNEXPECTED_END_OF_FILE (body cut short on the way)
        159,  // TIMEOUT_EXCEEDED
        164,  // READONLY
        202,  // TOO_MANY_SIMULTANEOUS_QUERIES
        203,  // NO_FREE_CONNECTION
        209,  // SOCKET_TIMEOUT
        210,  // NETWORK_ERROR
        225,  // NO_ZOOKEEPER
        236,  // ABORTED
        241,  // MEMORY_LIMIT_EXCEEDED
        242,  // TABLE_IS_READ_ONLY
        252,  // TOO_MANY_PARTS
        279,  // ALL_CONNECTION_TRIES_FAILED
        285,  // TOO_FEW_LIVE_REPLICAS
        319,  // UNKNOWN_STATUS_OF_INSERT
        394,  // QUERY_WAS_CANCELLED
        425,  // SYSTEM_ERROR
        439,  // CANNOT_SCHEDULE_TASK
        999,  // KEEPER_EXCEPTION
        1000, // POCO_EXCEPTION
    ];

    // Errors about the setup rather than the rows: splitting the batch would only reject good data.
    private static readonly HashSet<int> EnvironmentCodes =
    [
        16,   // NO_SUCH_COLUMN_IN_TABLE
        47,   // UNKNOWN_IDENTIFIER
        60,   // UNKNOWN_TABLE
        81,   // UNKNOWN_DATABASE
        115,  // UNKNOWN_SETTING
        192,  // UNKNOWN_USER
        193,  // WRONG_PASSWORD
        497,  // ACCESS_DENIED
        516,  // AUTHENTICATION_FAILED
    ];

    public static InsertFailureKind Classify(Exception exception) => exception switch
    {
        // Not ClickHouse's answer (a proxy's 5xx page): the driver would read any digits in it as an error code.
        ClickHouseServerException server when server.ErrorCode <= 0 || !server.Message.Contains("DB::Exception", StringComparison.Ordinal) => InsertFailureKind.Transient,
        ClickHouseServerException server when TransientCodes.Contains(server.ErrorCode) => InsertFailureKind.Transient,
        ClickHouseServerException server when EnvironmentCodes.Contains(server.ErrorCode) => InsertFailureKind.Environment,
        ClickHouseServerException => InsertFailureKind.Refused,
        ClickHouseBulkCopySerializationException => InsertFailureKind.Refused,
        HttpRequestException or SocketException or IOException or TimeoutException => InsertFailureKind.Transient,
        OperationCanceledException => InsertFailureKind.Transient, // an attempt's own timeout; the caller's token is checked separately
        AggregateException { InnerException: { } inner } => Classify(inner),
        _ when exception.InnerException is { } inner && inner is not ArgumentException => Classify(inner),
        _ => InsertFailureKind.Refused, // a value the client cannot encode for its column
    };

    /// <summary>ClickHouse's own message, first line only, for iot.rejected and logs.</summary>
    public static string Describe(Exception exception)
    {
        var message = exception is ClickHouseBulkCopySerializationException { InnerException: { } inner }
            ? $"{exception.Message}: {inner.Message}"
            : exception.Message;
        var firstLine = message.Split('\n', 2)[0].Trim();
        return firstLine.Length <= 2000 ? firstLine : firstLine[..2000];
    }
}
