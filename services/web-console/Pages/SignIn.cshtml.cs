using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Pipeline.WebConsole.Hosting;
using Pipeline.WebConsole.Options;

namespace Pipeline.WebConsole.Pages;

/// <summary>The one page open without a session. The token travels only in the form body, never in a URL.</summary>
[AllowAnonymous]
public sealed class SignInModel(IOptions<ConsoleOptions> options, ILogger<SignInModel> logger) : PageModel
{
    public string? Error { get; private set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? token)
    {
        if (!OperatorSignIn.Matches(token, options.Value.OperatorToken))
        {
            logger.LogWarning("Console sign-in refused from {Remote}: wrong operator token", HttpContext.Connection.RemoteIpAddress);
            Error = "Wrong operator token.";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }
        await OperatorSignIn.SignInAsync(HttpContext);
        // Only a local path: an absolute URL here would make sign-in an open redirect.
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
