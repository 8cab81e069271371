using Microsoft.AspNetCore.Mvc.Filters;

namespace ClipSaver.Web.Infrastructure;

/// <summary>
/// A form posted to a page that has no handler for it (no handler named, or a name the page does not have) is refused
/// with 400 before the page runs. Without this, Razor Pages renders the page with no handler run, its model never
/// loaded, and answers 500.
/// </summary>
public sealed class UnknownHandlerFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        if (context.HandlerMethod is null && !HttpMethods.IsGet(context.HttpContext.Request.Method) && !HttpMethods.IsHead(context.HttpContext.Request.Method))
        {
            context.Result = new BadRequestResult();
            return;
        }

        await next();
    }
}
