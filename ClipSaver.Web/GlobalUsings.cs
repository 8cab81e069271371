// Namespaces nearly every page and endpoint uses.
global using ClipSaver.Core;
global using ClipSaver.Core.Access;
global using ClipSaver.Core.Data;
global using ClipSaver.Web.Auth;
global using ClipSaver.Web.Infrastructure;
global using Microsoft.AspNetCore.Authorization;
global using Microsoft.AspNetCore.Mvc;
global using Microsoft.AspNetCore.Mvc.RazorPages;
global using Microsoft.EntityFrameworkCore;
