using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using TrainingCycles;
using TrainingCycles.Infrastructure;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<DependencyFailureMiddleware>();
builder.Services.AddTrainingCycles(builder.Configuration);
builder.Build().Run();
