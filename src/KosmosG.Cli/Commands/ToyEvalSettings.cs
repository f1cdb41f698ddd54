namespace KosmosG.Cli.Commands;

/// <summary>What `eval toy` ran: the model's name, the prompt-set seed, and the sampling knobs both models used.</summary>
public sealed record ToyEvalSettings(string Model, int Seed, int Steps, double Guidance, string Scheduler, int Width, int Height);
