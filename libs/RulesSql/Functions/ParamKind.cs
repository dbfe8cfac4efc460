namespace Pipeline.RulesSql.Functions;

/// <summary>What a function parameter accepts. A constant argument that can never be converted
/// to it is a type error found when the rule is compiled (abs('x')); a value from the message that
/// does not convert makes the call Undefined at run time, as in AWS.</summary>
internal enum ParamKind
{
    Any,
    Number,       // Int, Decimal, or a string that reads as a number
    Text,         // String, or a number or boolean printed as text
    TextOrArray,  // length()
}
